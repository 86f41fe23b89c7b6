# Who is calling: the agent (and the human principal it may act for).
package mandate

agent_identified if {
	is_string(input.agent.id)
	input.agent.id != ""
}

# An agent is enabled unless the caller marks it otherwise. The decision API only evaluates calls of
# authenticated agents; a gateway or an admin may still pass "enabled": false to switch one off.
agent_enabled if {
	agent_identified
	not input.agent.enabled == false
}

blocking contains "no agent identified for this call" if not agent_identified

blocking contains sprintf("agent %s is disabled", [input.agent.id]) if {
	agent_identified
	input.agent.enabled == false
}
