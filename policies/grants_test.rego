package mandate_test

import data.mandate

# A grant as the pipeline emits it: grants name servers by NAME (input.server.name, "filesystem").
fs_grant(id, tool) := object.union(grant(id, tool), {"server": "filesystem", "budget": null, "expires_at": null})

test_matching_grant_allows_write if {
	d := mandate.decision with input as object.union(write_call, {"grants": [fs_grant("g-1", "write_file")]})
	d.allow == true
	d.deny == []
	d.obligations.consume_grants == ["g-1"]
}

test_matching_grant_allows_destructive_without_approval if {
	d := mandate.decision with input as object.union(destructive_call, {"grants": [fs_grant("g-2", "delete_file")]})
	d.allow == true
	d.require_approval == null
}

test_pattern_grant_allows if {
	g := {"id": "g-3", "tool_pattern": "write_*", "server": "filesystem", "uses": 0, "budget": null}
	d := mandate.decision with input as object.union(write_call, {"grants": [g]})
	d.allow == true
	d.obligations.consume_grants == ["g-3"]
}

test_grant_for_other_tool_does_not_allow if {
	d := mandate.decision with input as object.union(write_call, {"grants": [fs_grant("g-1", "read_file")]})
	d.allow == false
}

test_grant_for_other_server_does_not_allow if {
	g := object.union(fs_grant("g-1", "write_file"), {"server": "other-server"})
	d := mandate.decision with input as object.union(write_call, {"grants": [g]})
	d.allow == false
}

# The catalog id of the server is not what a grant names: a grant naming the id does not match.
test_grant_naming_server_id_does_not_allow if {
	g := object.union(fs_grant("g-1", "write_file"), {"server": "srv-fs"})
	d := mandate.decision with input as object.union(write_call, {"grants": [g]})
	d.allow == false
}

test_pattern_grant_for_other_tools_does_not_allow if {
	g := {"id": "g-4", "tool_pattern": "read_*", "server": "filesystem", "uses": 0}
	d := mandate.decision with input as object.union(write_call, {"grants": [g]})
	d.allow == false
}

test_only_matching_grants_are_consumed if {
	grants := [fs_grant("g-2", "write_file"), fs_grant("g-1", "write_file"), fs_grant("g-9", "read_file")]
	d := mandate.decision with input as object.union(write_call, {"grants": grants})
	d.obligations.consume_grants == ["g-1", "g-2"]
}

test_grant_without_server_matches_any_server if {
	g := object.remove(fs_grant("g-1", "write_file"), ["server"])
	mandate.decision.allow with input as object.union(write_call, {"grants": [g]})
}

test_exhausted_grant_does_not_allow if {
	g := object.union(fs_grant("g-1", "write_file"), {"uses": 5})
	d := mandate.decision with input as object.union(write_call, {"grants": [g]})
	d.allow == false
	d.obligations.consume_grants == []
}

test_uncapped_grant_allows if {
	g := object.remove(fs_grant("g-1", "write_file"), ["max_uses", "uses"])
	mandate.decision.allow with input as object.union(write_call, {"grants": [g]})
}

test_read_call_consumes_no_grant if {
	d := mandate.decision with input as object.union(read_call, {"grants": [fs_grant("g-1", "read_file")]})
	d.allow == true
	d.obligations.consume_grants == []
}

test_approval_allows_destructive_call if {
	approval := {"id": "ap-1", "status": "approved", "arguments_hash": "sha256:77"}
	d := mandate.decision with input as object.union(destructive_call, {"approval": approval})
	d.allow == true
	d.require_approval == null
	d.obligations.consume_grants == []
}

test_approval_without_status_allows if {
	mandate.decision.allow with input as object.union(destructive_call, {"approval": {"id": "ap-1"}})
}

test_rejected_approval_does_not_allow if {
	approval := {"id": "ap-1", "status": "rejected"}
	d := mandate.decision with input as object.union(destructive_call, {"approval": approval})
	d.allow == false
	contains(d.require_approval.reason, "risk destructive")
}
