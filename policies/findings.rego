# Input validation gates: findings of the detectors (shell metacharacters, path traversal, SSRF, SQL
# tautologies, hidden instructions, secrets, …) over the call's arguments or a tool's result.
package mandate

result_phase if input.phase == "result"

# A call (or listing) with a high/critical finding is blocked.
blocking_findings contains finding if {
	not result_phase
	some finding in input.findings
	finding.severity in blocking_severities
}

# A result is blocked by a high/critical finding the gateway cannot simply redact (injected instructions,
# invisible Unicode, …); secrets in a result are redacted instead (obligations.redact_result).
blocking_findings contains finding if {
	result_phase
	some finding in input.findings
	finding.severity in blocking_severities
	not finding.detector in redacting_detectors
}

blocking contains sprintf("%s finding of %s at %s", [f.severity, f.detector, f.path]) if {
	some f in blocking_findings
}

# Argument paths flagged by a redacting detector: logs and approvers see them redacted.
redact_paths contains finding.path if {
	not result_phase
	some finding in input.findings
	finding.detector in redacting_detectors
}

# Result paths (JSON pointers into the tool's result) the gateway must redact before the model sees it.
redact_result_paths contains finding.path if {
	result_phase
	some finding in input.findings
	finding.detector in redacting_detectors
}

# A result that anything blocks must not reach the model.
default block_result := false

block_result if {
	result_phase
	count(blocking) > 0
}

# Obligations of a result decision (merged into `obligations` by decision.rego; none for calls).
default result_obligations := {}

result_obligations := {
	"redact_result": sort([path | some path in redact_result_paths]),
	"block_result": block_result,
} if result_phase
