"""Peak memory of reading large MDP files (found by hostile probing: a 50 MB .mdp once needed
1.3 GB). Writes a Cassandra .mdp of about SIZE_MB megabytes (single `T: a : s : s' p` entries
and `R:` lines, the costliest form per byte) and a CSV file of the same MDP form with half as
many states (to keep the test short), reads each with `tabrl mdp info` and checks that the
reader's peak resident set size, measured by wait4() on the child, stays below FACTOR times the
file size. Skipped (77) off Linux, where ru_maxrss has another meaning.

usage: reader_memory_test.py PATH/TO/tabrl [SIZE_MB=50] [FACTOR=10]
"""

import os
import subprocess
import sys
import tempfile

ACTIONS = 4
BRANCHING = 5


def write_mdp(path, states):
    with open(path, "w") as out:
        out.write(f"discount: 0.9\nvalues: reward\nstates: {states}\nactions: {ACTIONS}\n")
        for s in range(states):
            lines = []
            for a in range(ACTIONS):
                for k in range(BRANCHING):
                    lines.append(f"T: {a} : {s} : {(s + k * 7919) % states} 0.2\n")
                lines.append(f"R: {a} : {s} : * {a + 0.5}\n")
            out.write("".join(lines))


def write_csv(path, states):
    with open(path, "w") as out:
        out.write("# gamma = 0.9\nfrom,action,to,probability,reward\n")
        for s in range(states):
            out.write("".join(f"{s},{a},{(s + k * 7919) % states},0.2,{a + 0.5}\n"
                              for a in range(ACTIONS) for k in range(BRANCHING)))


def peak_of_info(tabrl, path, log):
    """Runs `tabrl mdp info path`; returns (exit status, peak RSS in bytes, output)."""
    with open(log, "w") as output:
        child = subprocess.Popen([tabrl, "mdp", "info", path], stdout=output,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(log) as output:
        return child.returncode, usage.ru_maxrss * 1024, output.read()


def main():
    if not sys.platform.startswith("linux"):
        print("reader_memory_test: skipped (ru_maxrss is in kilobytes on Linux only)")
        return 77
    tabrl = sys.argv[1]
    size_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    factor = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    states = int(size_mb * 1e6 / 520)  # about 520 bytes of .mdp per state
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name, writer, count in (("big.mdp", write_mdp, states),
                                    ("big.csv", write_csv, states // 2)):
            path = os.path.join(work, name)
            writer(path, count)
            size = os.path.getsize(path)
            status, peak, output = peak_of_info(tabrl, path, os.path.join(work, "log"))
            read = status == 0 and f"states: {count}\n" in output
            within = peak < factor * size
            print(f"{name}: {size / 1e6:.1f} MB, peak RSS {peak / 1e6:.1f} MB "
                  f"({peak / size:.2f} x the file; limit {factor:g} x)")
            if not read:
                print(f"FAIL: {name} was not read (exit {status}):\n{output[:2000]}")
            if not within:
                print(f"FAIL: reading {name} needs {peak / size:.2f} x its size")
            failures += (not read) + (not within)
            os.remove(path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
