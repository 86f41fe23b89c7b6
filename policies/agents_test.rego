package mandate_test

import data.mandate

test_enabled_agent_may_read if {
	mandate.decision.allow with input as read_call
}

test_agent_enabled_when_flag_absent if {
	mandate.agent_enabled with input as read_call
}

test_disabled_agent_denied if {
	d := mandate.decision with input as object.union(read_call, {"agent": {"enabled": false}})
	d.allow == false
	d.deny == ["agent agent-1 is disabled"]
	d.require_approval == null
}

test_missing_agent_denied if {
	d := mandate.decision with input as object.remove(read_call, ["agent"])
	d.allow == false
	"no agent identified for this call" in d.deny
}

test_empty_agent_id_denied if {
	d := mandate.decision with input as object.union(read_call, {"agent": {"id": ""}})
	d.allow == false
	"no agent identified for this call" in d.deny
}
