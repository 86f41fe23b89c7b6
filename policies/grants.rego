# Grants (scoped capabilities issued by members or approvals) and prior approvals of this exact call.
package mandate

# input.grants holds the active grants the decision pipeline matched to this call (agent, server name, tool,
# validity window, argument constraints): {id, tool | tool_pattern, server?, uses, max_uses?,
# budget: {argument, limit, window_seconds, spent} | null, expires_at}. The policy checks them again
# (defence in depth): same tool (exact name or glob pattern), same server NAME when the grant names one,
# uses left when the grant is capped. The pipeline consumes the grants listed in consume_grants atomically
# with recording the decision (and turns the decision into a deny when a use or the budget is gone).
matching_grants contains grant if {
	some grant in input.grants
	grant_tool_matches(grant)
	grant_server_matches(grant)
	grant_has_uses_left(grant)
}

grant_tool_matches(grant) if grant.tool == input.tool.name

grant_tool_matches(grant) if {
	is_string(grant.tool_pattern)
	glob.match(grant.tool_pattern, [], input.tool.name)
}

grant_server_matches(grant) if not grant.server

grant_server_matches(grant) if grant.server == input.server.name

grant_has_uses_left(grant) if not is_number(grant.max_uses)

grant_has_uses_left(grant) if object.get(grant, "uses", 0) < grant.max_uses

granted if count(matching_grants) > 0

# Ids of the grants that allow the call: the pipeline consumes their use counters and budgets.
consumed_grant_ids := sort([id |
	some grant in matching_grants
	id := grant.id
])

# The approved request for this exact argument hash (the pipeline only passes an approved one).
approved if {
	is_object(input.approval)
	not input.approval.status
}

approved if input.approval.status == "approved"
