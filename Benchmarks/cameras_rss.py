"""What each extra camera adds to one signd process's memory, against one process per camera.

For N = 1..max cameras, runs `signd run` on a `cameras:` config of N cameras (each the clip, played in real
time and looped, default heads) for a fixed time, and reads the process's peak RSS (VmHWM) and its RSS at
the end (VmRSS) from /proc before stopping it with SIGTERM. Rounds alternate the order of N so machine drift
hits all alike; medians over rounds. Prints the RSS per N, what each camera beyond the first adds, and the
same number of cameras as separate one-camera processes (N x the one-camera process: the reference); and,
from the run's closing line, the frames per second each camera got and the share of its frames dropped
(the cameras share the CPU cores and take turns on each landmark model).
"""
import re
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def config(path, n, video, models, endpoint):
    cams = "".join(f"  - id: cam{i}\n    source: {{uri: '{video}', realtime: true, loop: true}}\n" for i in range(n))
    with open(path, "w") as f:
        f.write(f"cameras:\n{cams}landmarks: {{models_dir: '{models}'}}\n"
                f"events: {{endpoints: ['{endpoint}']}}\nsystemd: {{notify: false}}\nlog_level: info\n")


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} for {pid}")


def run_once(binary, n, video, models, seconds, tmp):
    path = os.path.join(tmp, f"cams{n}.yaml")
    config(path, n, video, models, f"ipc://{tmp}/cams{n}")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    p = subprocess.Popen([binary, "run", "--config", path], env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    if p.poll() is not None:
        sys.exit(f"signd ended early with {p.returncode}: {p.stderr.read()}")
    peak, now = status_kib(p.pid, "VmHWM"), status_kib(p.pid, "VmRSS")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    if p.returncode != 0:
        sys.exit(f"signd exited with {p.returncode}: {err}")
    done = [line for line in err.splitlines() if " finished " in line]
    if not done:
        sys.exit(f"no closing line from signd: {err}")
    fig = {k: float(re.search(rf"\b{k}=([0-9.]+)", done[-1]).group(1)) for k in ("frames", "dropped", "seconds")}
    fps = fig["frames"] / fig["seconds"] / n
    dropped = fig["dropped"] / max(fig["frames"] + fig["dropped"], 1)
    return peak / 1024, now / 1024, fps, dropped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signd", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--cameras", type=int, default=3, help="up to this many cameras (default 3)")
    ap.add_argument("--seconds", type=float, default=15, help="run time per process (default 15)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("video")
    a = ap.parse_args()
    counts = list(range(1, a.cameras + 1))
    peaks = {n: [] for n in counts}
    ends = {n: [] for n in counts}
    fpss = {n: [] for n in counts}
    drops = {n: [] for n in counts}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(a.rounds):
            for n in (counts if rnd % 2 == 0 else list(reversed(counts))):
                peak, end, fps, dropped = run_once(a.signd, n, os.path.abspath(a.video), os.path.abspath(a.models_dir), a.seconds, tmp)
                peaks[n].append(peak)
                ends[n].append(end)
                fpss[n].append(fps)
                drops[n].append(dropped)
                print(f"round {rnd + 1}/{a.rounds}: {n} camera(s): peak {peak:.1f} MiB", file=sys.stderr)
    med = {n: statistics.median(peaks[n]) for n in counts}
    end = {n: statistics.median(ends[n]) for n in counts}
    one = med[1]
    print(f"{a.rounds} rounds of {a.seconds:.0f} s per process, medians; RSS in MiB")
    print(f"{'cameras':>7} {'peak RSS':>9} {'RSS at end':>10} {'per extra camera':>16} {'N processes':>11} {'saved':>7} "
          f"{'fps/camera':>10} {'dropped':>7}")
    for n in counts:
        extra = (med[n] - one) / (n - 1) if n > 1 else 0.0
        print(f"{n:7d} {med[n]:9.1f} {end[n]:10.1f} {extra:16.1f} {n * one:11.1f} {n * one - med[n]:7.1f} "
              f"{statistics.median(fpss[n]):10.1f} {100 * statistics.median(drops[n]):6.1f}%")
    if len(counts) > 1:
        worst = max((med[n] - one) / (n - 1) for n in counts[1:])
        print(f"each extra camera adds at most {worst:.1f} MiB of peak RSS (one process per camera: {one:.1f} MiB each)")


if __name__ == "__main__":
    main()
