package mandate_test

import data.mandate

test_decision_has_every_field if {
	d := mandate.decision with input as read_call
	object.keys(d) == {"allow", "deny", "require_approval", "obligations"}
	d.obligations == {"consume_grants": [], "redact_arguments": []}
}

test_deny_by_default_for_empty_input if {
	d := mandate.decision with input as {}
	d.allow == false
	d.require_approval == null
	count(d.deny) > 0
}

test_unknown_phase_denied if {
	d := mandate.decision with input as object.union(read_call, {"phase": "exec"})
	d.allow == false
	d.deny == ["unknown phase exec"]
}

test_list_shows_destructive_tool if {
	d := mandate.decision with input as object.union(destructive_call, {"phase": "list"})
	d.allow == true
	d.require_approval == null
}

test_list_hides_changed_tool if {
	call := object.union(read_call, {"phase": "list", "tool": {"changed": true}})
	not mandate.allow with input as call
}

test_several_reasons_sorted if {
	call := object.union(read_call, {"tool": {"pinned": false, "changed": true}})
	d := mandate.decision with input as call
	d.deny == [
		"tool read_file: definition changed since it was pinned",
		"tool read_file: definition is not pinned",
	]
}
