# Inputs shared by the tests of the baseline policy (the shape of the decision API's input document).
package mandate_test

read_call := {
	"phase": "call",
	"agent": {"id": "agent-1", "name": "coder", "labels": {"env": "dev"}, "trust": 3, "owner": "user-1"},
	"principal": {"id": "user-1", "email": "ann@example.com", "groups": ["dev"]},
	"server": {"id": "srv-fs", "name": "filesystem", "url": "stdio://fs"},
	"tool": {
		"name": "read_file",
		"digest": "sha256:4f2a",
		"pinned": true,
		"changed": false,
		"risk": "read",
		"annotations": {"readOnlyHint": true},
	},
	"arguments": {"path": "/workspace/src/main.ts"},
	"findings": [],
	"grants": [],
	"approval": null,
	"context": {"time": "2026-11-23T10:00:00Z", "ip": "10.0.0.5", "gateway": "gw-1", "session": "s-1", "request_id": "r-1"},
}

# The same call with another tool (name and risk) of the same server.
call_with_tool(name, risk) := object.union(read_call, {"tool": {"name": name, "risk": risk}})

destructive_call := call_with_tool("delete_file", "destructive")

write_call := call_with_tool("write_file", "write")

grant(id, tool) := {"id": id, "tool": tool, "server": "srv-fs", "uses": 0, "max_uses": 5}
