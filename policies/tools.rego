# What is called: the tool's risk class and the integrity of its pinned definition.
package mandate

# The risk of the tool from the admin-owned registry. An unknown or missing risk counts as "unknown", which
# is treated like "destructive". Annotations the MCP server declares (readOnlyHint, …) are never trusted.
risk := input.tool.risk if {
	input.tool.risk in known_risks
} else := "unknown"

read_only if risk == "read"

needs_approval_by_risk if risk in approval_risks

tool_pinned if input.tool.pinned == true

tool_changed if input.tool.changed == true

# A definition that was never pinned (seen for the first time) is not trusted until an admin approves it.
blocking contains sprintf("tool %s: definition is not pinned", [tool_name]) if {
	not tool_pinned
}

# A changed definition (a possible "rug pull") stays quarantined until an admin approves the diff.
blocking contains sprintf("tool %s: definition changed since it was pinned", [tool_name]) if {
	tool_changed
}

# An admin blocked the tool in the catalog (input.tool.status, set by the catalog).
blocking contains sprintf("tool %s: blocked in the catalog", [tool_name]) if {
	input.tool.status == "blocked"
}

tool_name := input.tool.name if is_string(input.tool.name) else := "<unnamed>"
