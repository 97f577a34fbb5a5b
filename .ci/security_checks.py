"""Static security checks for CI (`make security`): bandit and pip-audit.

bandit: fails on any HIGH-severity finding in product code (medium and low are printed by
`bandit -ll` on request, not enforced). pip-audit: audits the installed environment against
PyPI's vulnerability data; fails on a known vulnerability. When that data cannot be reached
(machines that see only a package mirror), it says so plainly and does not fail: a check that
looked nothing up must not print "no known vulnerabilities".
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRODUCT = ["marketplace", "sellers", "orders", "payments", "notifications", "moderation",
           "staffguard", "web"]


def run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    # Fixed argument lists of our own tools, no shell.
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                          timeout=timeout)


def bandit() -> bool:
    result = run([str(BIN / "bandit"), "-r", *PRODUCT, "-lll", "-f", "json", "-q"], timeout=300)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"[security] bandit did not run: {result.stderr.strip() or result.stdout[:500]}")
        return False
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    totals = report["metrics"]["_totals"]
    print(f"[security] bandit: {int(totals['loc'])} lines scanned, "
          f"{len(high)} high-severity findings")
    for finding in high:
        print(f"  {finding['filename']}:{finding['line_number']} {finding['test_id']} "
              f"{finding['issue_text']}")
    return not high


def pip_audit() -> bool:
    try:
        result = run([str(BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable",
                      "-f", "json"], timeout=300)
    except subprocess.TimeoutExpired:
        print("[security] pip-audit SKIPPED: the vulnerability database did not answer in 300 s")
        return True
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"[security] pip-audit SKIPPED: the vulnerability database is unreachable "
              f"({reason})")
        return True
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(f"[security] pip-audit SKIPPED: none of the {len(dependencies)} installed "
              "packages could be looked up (the vulnerability database is unreachable from "
              "here; only a package mirror is). Nothing was audited.")
        return True
    print(f"[security] pip-audit: {len(audited)} of {len(dependencies)} packages audited, "
          f"{len(vulnerable)} with known vulnerabilities")
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"  {dependency['name']} {dependency['version']}: {ids}")
    return not vulnerable


def main() -> int:
    ok = bandit()
    ok = pip_audit() and ok
    print(f"[security] {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
