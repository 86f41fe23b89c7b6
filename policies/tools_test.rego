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
	contains(d.require_approval.reason, "risk destructive")
}

test_unknown_risk_tool_needs_approval if {
	d := mandate.decision with input as call_with_tool("mystery", "spicy")
	d.allow == false
	contains(d.require_approval.reason, "risk unknown")
}

test_write_tool_without_grant_denied if {
	d := mandate.decision with input as write_call
	d.allow == false
	d.require_approval == null
	d.deny == ["no grant allows calling write tool write_file"]
}

test_blocked_tool_denied if {
	call := object.union(read_call, {"tool": {"pinned": false, "status": "blocked"}})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["tool read_file: blocked in the catalog", "tool read_file: definition is not pinned"]
}

test_quarantined_tool_listing_denied if {
	call := object.union(read_call, {"phase": "list", "tool": {"pinned": false, "changed": true, "status": "quarantined"}})
	d := mandate.decision with input as call
	d.allow == false
	d.deny == ["tool read_file: definition changed since it was pinned", "tool read_file: definition is not pinned"]
}
