#!/usr/bin/env python3
"""Counts test results after `bazel test` and prints "N passed, N failed".

Reads Bazel's per-target summary lines from the log it is given, and for each Boost.Test target
its test.log report ("N test cases out of M passed"), so one line counts test cases, not targets.
A target that failed to build, timed out or crashed without a report counts as one failure.
Exits 1 when anything failed or nothing ran.
"""
import os
import re
import sys

STATUS = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED TO BUILD|FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE|SKIPPED)\b")
CASES = re.compile(r"(\d+) test cases? out of (\d+) (passed|failed|skipped|aborted)")


def boost_counts(log_path):
    try:
        with open(log_path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    if 'Test module "' not in text:
        return None
    passed = failed = 0
    for n, _total, kind in CASES.findall(text):
        if kind == "passed":
            passed += int(n)
        elif kind in ("failed", "aborted"):
            failed += int(n)
    return passed, failed


def main():
    log, testlogs = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    passed = failed = 0
    with open(log, errors="replace") as f:
        for line in f:
            m = STATUS.match(line.strip())
            if not m:
                continue
            target, status = m.groups()
            if status == "SKIPPED":
                continue
            pkg, _, name = target[2:].partition(":")
            counts = boost_counts(os.path.join(testlogs, pkg, name, "test.log")) if testlogs else None
            ok = status == "PASSED" or status == "FLAKY"
            if counts and (counts[0] + counts[1]) > 0:
                p, fl = counts
                if not ok and fl == 0:
                    fl = 1  # crashed or timed out after reporting
                passed += p
                failed += fl
            elif ok:
                passed += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
