#!/usr/bin/env python3
"""Submits a sweep to a real single-node SLURM cluster started on localhost for this test
(munged, slurmctld and slurmd from Debian's munge and slurm-wlm, private sockets, ports and
directories), waits for the array job, merges, and checks the result equals a local sweep. The
config and output paths hold spaces, quotes, $(), backticks, '#' and '%': sbatch must put the
task logs where they belong and nothing may be executed.

Exits 77 (CTest: skipped) with a message when SLURM is not installed or we are not root.
usage: slurm_test.py PATH/TO/tabrl DATA_DIR
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sweep_results import same_results

TABRL = os.path.abspath(sys.argv[1])
DATA = Path(sys.argv[2])
SKIP = 77
NEEDED = ["munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def main():
    missing = [tool for tool in NEEDED if shutil.which(tool) is None and
               not Path(f"/usr/sbin/{tool}").exists()]
    if missing:
        skip(f"SLURM is not installed ({', '.join(missing)} missing); "
             "`bash scripts/setup.sh --with-slurm` installs slurm-wlm and munge")
    if os.geteuid() != 0:
        skip("the single-node cluster needs root (slurmd runs jobs as their user)")

    work = Path(tempfile.mkdtemp(prefix="tabrl-slurm-"))
    os.chmod(work, 0o755)
    munge_dir = work / "munge"
    munge_dir.mkdir(mode=0o700)
    (work / "state").mkdir()
    (work / "spool").mkdir()
    key = munge_dir / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o600)
    socket_path = munge_dir / "munge.socket"
    conf = work / "slurm.conf"
    env = dict(os.environ, SLURM_CONF=str(conf))
    daemons = []
    try:
        subprocess.run(["munged", "--force", f"--socket={socket_path}", f"--key-file={key}",
                        f"--log-file={munge_dir / 'munged.log'}", f"--pid-file={munge_dir / 'munged.pid'}",
                        f"--seed-file={munge_dir / 'munged.seed'}"], check=True)
        daemons.append(munge_dir / "munged.pid")
        conf.write_text(f"""ClusterName=tabrltest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={socket_path}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={work / 'state'}
SlurmdSpoolDir={work / 'spool'}
SlurmctldPidFile={work / 'slurmctld.pid'}
SlurmdPidFile={work / 'slurmd.pid'}
SlurmctldLogFile={work / 'slurmctld.log'}
SlurmdLogFile={work / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=tabrlnode NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=tabrl Nodes=tabrlnode Default=YES MaxTime=INFINITE State=UP
""")
        subprocess.run(["slurmctld", "-f", str(conf)], check=True, env=env)
        daemons.append(work / "slurmctld.pid")
        subprocess.run(["slurmd", "-f", str(conf), "-N", "tabrlnode"], check=True, env=env)
        daemons.append(work / "slurmd.pid")
        wait_for(lambda: "idle" in subprocess.run(["sinfo", "-h", "-o", "%T"], env=env,
                                                  capture_output=True, text=True).stdout,
                 60, "the node to be idle")

        config_dir = work / "cfg dir 'q' $(touch INJECTED_cfg) `touch INJECTED_cfg2`"
        config_dir.mkdir()
        shutil.copy(DATA / "two_state.mdp", config_dir / "two_state.mdp")
        config = config_dir / "grid.toml"
        config.write_text("""
[sweep]
name = "slurm"
iterations = 200
record = 5
[[mdp]]
spec = "garnet(states=15,actions=3,branching=2)"
seed = [1, 2]
[[mdp]]
file = "two_state.mdp"
[[algorithm]]
name = "spma"
step_size = [0.02, 0.05]
[[algorithm]]
name = "npg"
step_size = [0.5, 1]
""")
        out = work / "cluster 'q' \"dq\" $(touch INJECTED_out) `touch INJECTED_out2` #h %p"
        submitted = subprocess.run([TABRL, "sweep", config, "--out", out, "--slurm", "--tasks", "3",
                                    "--partition", "tabrl", "--time", "00:10:00"],
                                   env=env, capture_output=True, text=True)
        if submitted.returncode != 0:
            raise RuntimeError(f"submission failed: {submitted.stderr}")
        job = submitted.stdout.strip()
        wait_for(lambda: job not in subprocess.run(["squeue", "-h", "-o", "%A"], env=env,
                                                   capture_output=True, text=True).stdout,
                 240, f"array job {job} to finish")
        merged = subprocess.run([TABRL, "merge", out], capture_output=True, text=True)
        local = work / "local"
        subprocess.run([TABRL, "sweep", config, "--out", local, "--quiet"], check=True)
        failures = []
        if merged.returncode != 0:
            failures.append(f"merge failed: {merged.stderr}")
        task_logs = sorted((out / "slurm").glob("task-*.out"))
        if len(task_logs) != 3:
            failures.append(f"expected 3 array task logs, found {len(task_logs)}")
        injected = [os.path.join(d, f) for d, _, files in os.walk(work) for f in files
                    if f.startswith("INJECTED")]
        if injected:
            failures.append(f"a path was executed: {injected}")
        if not failures:
            if not same_results(out, local):
                failures.append("runs.csv or curves.csv from the cluster differs from the local sweep")
        for failure in failures:
            print("FAIL:", failure)
            for log in task_logs:
                print(log.name, log.read_text()[-500:])
        print(f"slurm_test: {0 if failures else 1} passed, {len(failures)} failed")
        sys.exit(1 if failures else 0)
    finally:
        for pid_file in reversed(daemons):
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        time.sleep(1)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
