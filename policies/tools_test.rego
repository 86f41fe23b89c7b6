package mandate_test

import data.mandate

test_read_tool_allowed_without_grant if {
	d := mandate.decision with input as read_call
	d.allow == true
	d.deny == []
	d.require_approval == null
}

test_unpinned_tool_denied if {
	d := mandate.decision with input as object.union(read_call, {"tool": {"pinned": false}})
	d.allow == false
	d.deny == ["tool read_file: definition is not pinned"]
}

test_missing_pin_flag_denied if {
	d := mandate.decision with input as json.remove(read_call, ["tool/pinned"])
	d.allow == false
	d.deny == ["tool read_file: definition is not pinned"]
}

test_changed_tool_denied if {
	d := mandate.decision with input as object.union(read_call, {"tool": {"changed": true}})
	d.allow == false
	d.deny == ["tool read_file: definition changed since it was pinned"]
}

test_changed_tool_denied_even_with_grant if {
	call := object.union(write_call, {"tool": {"changed": true}, "grants": [grant("g-1", "write_file")]})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["tool write_file: definition changed since it was pinned"]
	d.require_approval == null
}

test_unknown_risk_counts_as_unknown if {
	mandate.risk == "unknown" with input as call_with_tool("mystery", "spicy")
}

test_missing_risk_counts_as_unknown if {
	mandate.risk == "unknown" with input as json.remove(read_call, ["tool/risk"])
}

test_read_only_hint_is_not_trusted if {
	call := object.union(destructive_call, {"tool": {"annotations": {"readOnlyHint": true}}})
	d := mandate.decision with input as call
	d.allow == false
	d.require_approval.risk == "destructive"
}

test_destructive_tool_needs_approval if {
	d := mandate.decision with input as destructive_call
	d.allow == false
	d.deny == []
	d.require_approval == {
		"reason": "tool delete_file has risk destructive and no grant covers this call",
		"risk": "destructive",
		"approver_groups": ["approvers"],
		"approvals_required": 1,
		"ttl_seconds": 3600,
	}
}

test_unknown_risk_tool_needs_approval if {
	d := mandate.decision with input as call_with_tool("mystery", "spicy")
	d.allow == false
	d.require_approval.risk == "unknown"
}

test_write_tool_without_grant_denied if {
	d := mandate.decision with input as write_call
	d.allow == false
	d.require_approval == null
	d.deny == ["no grant allows calling write tool write_file"]
}

test_approval_settings_from_data if {
	d := mandate.decision with input as destructive_call
		with data.mandate_settings as {"approver_groups": ["sre"], "approvals_required": 2}
	d.require_approval.approver_groups == ["sre"]
	d.require_approval.approvals_required == 2
	d.require_approval.ttl_seconds == 3600
}
