"""Every doctest test case must be runnable by the ctest entry doctest_discover_tests makes for
it: the discovery reads `--list-test-cases` into a CMake list, so a ';' in a name splits it into
filters that match no test case, and doctest passes a run of zero test cases. Fifteen cases
went unrun that way (one of them stale). This check lists each suite's test cases and fails on
such names, and on a suite whose ctest entries would not all match a test case."""

import subprocess
import sys


def test_cases(binary):
    listing = subprocess.run([binary, "--list-test-cases", "--no-version"], check=True,
                             capture_output=True, text=True).stdout
    # The listing is framed by lines of '=' and a summary line starting with "[doctest]".
    return [line for line in listing.splitlines()
            if line and not line.startswith("[doctest]") and not set(line) <= {"="}]


def main(binaries):
    problems = []
    total = 0
    for binary in binaries:
        names = test_cases(binary)
        total += len(names)
        if not names:
            problems.append(f"{binary}: no test cases listed")
        for name in names:
            if ";" in name:
                problems.append(f"{binary}: test case {name!r} has a ';', which splits its ctest "
                                "entry into filters that match nothing (use ',' or 'and')")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{total} test cases in {len(binaries)} suites checked", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
