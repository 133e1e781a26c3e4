#!/usr/bin/python3
"""Turn one `make bench` run's raw numbers into the Markdown results table.

Every figure comes from the files of this run: cycles.tsv (one row per crash
cycle, parsed from the host-timestamped serial logs), images.txt (capture
image sizes and build times), bisect.txt (smallest crashkernel=), peer.env.
"""
import argparse
import gzip
import os
import re
import platform
import statistics
import subprocess
import time

MB = 1000 * 1000
MIB = 1024 * 1024


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:  # noqa: BLE001 - a version string is optional
        return ""


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, unit="", nd=1):
    if x is None:
        return "n/a"
    return f"{x:.{nd}f}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser()
    for a in ("cycles", "images", "bisect", "peer-env", "mode", "kver", "tree", "base-tree",
              "repo", "ck", "raw", "elapsed"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--ours", default="kdumpkit", help="kdumpkit or kdumpkit-guest")
    ap.add_argument("--remote", default="", help="remote.tsv of the ssh/nfs scenario runs")
    ap.add_argument("--step", type=int, default=16, help="bisection step, MiB")
    ap.add_argument("--mem", type=int, default=2048, help="guest RAM, MiB")
    ap.add_argument("--suite", default="Debian 12", help="the guests' Debian release")
    ap.add_argument("--cma", default="", help="a CMA part beside the bisected fixed one")
    ap.add_argument("--dump-level", default="31", help="makedumpfile -d of both systems")
    o = ap.parse_args()
    global STEP
    STEP = o.step

    rows = []
    with open(o.cycles) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(head, line.rstrip("\n").split("\t"))))
    images = {}
    with open(o.images) as f:
        for line in f:
            k, _, v = line.strip().partition(" ")
            images[k] = v
    bisect = {}
    if os.path.exists(o.bisect):
        with open(o.bisect) as f:
            for line in f:
                if line.strip():
                    k, v = line.split()
                    bisect[k] = v
    remote = []
    if o.remote and os.path.exists(o.remote):
        with open(o.remote) as f:
            rhead = f.readline().rstrip("\n").split("\t")
            for line in f:
                remote.append(dict(zip(rhead, line.rstrip("\n").split("\t"))))
    rc1 = {r["target"]: r for r in remote if r["tag"] == "c1"}

    def rnum(t, key):
        r = rc1.get(t)
        return num(r[key]) if r and r["result"] == "PASS" else None

    peer = {}
    with open(o.peer_env) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            peer[k] = v

    ours = o.ours
    main_rows = {s: [r for r in rows if re.fullmatch(r"c[0-9]+", r["tag"]) and r["system"] == (ours if s == "kdumpkit" else s)]
                 for s in ("kdumpkit", "peer")}

    def col(s, key, conv=num, only_pass=True):
        return [conv(r[key]) if (r["result"] == "PASS" or not only_pass) else None for r in main_rows[s]]

    def used_mib(r):
        m, t = num(r["memavail_min_kB"]), num(r["memtotal_kB"])
        return (t - m) / 1024 if m is not None and t is not None else None

    def vm_mib(r):
        b = num(r["vmcore_bytes"])
        return b / MIB if b is not None else None

    def percyc(xs, unit="", nd=1):
        return ", ".join(fmt(x, unit, nd) for x in xs) if xs else "n/a"

    fig = []  # (name, ours list, peer list, nd, lower-is-better note)
    fig.append(("crash → vmcore saved (s)", col("kdumpkit", "crash_to_saved_s"), col("peer", "crash_to_saved_s"), 1))
    fig.append(("crash → reboot started (s)", col("kdumpkit", "crash_to_reboot_s"), col("peer", "crash_to_reboot_s"), 1))
    fig.append(("vmcore size (MiB)", [vm_mib(r) for r in main_rows["kdumpkit"]], [vm_mib(r) for r in main_rows["peer"]], 1))
    fig.append(("peak memory used in the capture (MiB, MemTotal − min MemAvailable)",
                [used_mib(r) for r in main_rows["kdumpkit"]], [used_mib(r) for r in main_rows["peer"]], 1))
    fig.append(("capture kernel MemTotal (MiB)",
                [num(r["memtotal_kB"]) / 1024 if num(r["memtotal_kB"]) else None for r in main_rows["kdumpkit"]],
                [num(r["memtotal_kB"]) / 1024 if num(r["memtotal_kB"]) else None for r in main_rows["peer"]], 1))
    fig.append(("reload, nothing changed: `kdumpctl start` vs `kdump-config load` (s, in the guest)",
                col("kdumpkit", "start_nothing_changed_s", only_pass=False),
                col("peer", "start_nothing_changed_s", only_pass=False), 2))
    fig.append(("… of which the bare `kexec -p` (s, ours only)",
                col("kdumpkit", "kexec_load_s", only_pass=False), [], 2))

    def isize(k):
        v = images.get(k, "")
        return int(v) if v.isdigit() else None

    out = []
    w = out.append
    now = time.strftime("%Y-%m-%d %H:%M %Z")
    cpu = sh("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1")
    ram = sh("awk '/^MemTotal/ { printf \"%.1f GiB\", $2 / 1048576 }' /proc/meminfo")
    dpkgv = lambda p, t: sh(f"dpkg-query --admindir={t}/var/lib/dpkg -W -f='${{Version}}' {p}")  # noqa: E731
    qemu = sh("qemu-system-x86_64 --version | head -n1").replace("QEMU emulator version ", "")
    label = {"kdumpkit": "capture image prebuilt with `kdumpctl rebuild --sysroot` (generic, --no-hostonly)",
             "kdumpkit-guest": "capture image built by kdump.service in the guest (hostonly)"}.get(ours, ours)
    w(f"# kdumpkit vs Debian kdump-tools — {now}, {platform.node()}")
    w("")
    w(f"Mode: **{o.mode}**; whole run {float(o.elapsed) / 60:.1f} min. Raw logs: `{o.raw}/` "
      "(gzipped serial consoles with host timestamps, `cycles.tsv`, `images.txt`, capture image listings).")
    w("")
    w(f"- Machine: {sh('nproc')} CPUs ({cpu}), {ram} RAM, host kernel {platform.release()}")
    cma = f" plus `crashkernel={o.cma},cma` in every cycle (the bisection is of the fixed part)" if o.cma else ""
    w(f"- Guests: qemu TCG, {o.mem} MiB, 2 vCPU, `crashkernel={o.ck}` (bisection aside){cma}, {o.suite}, "
      f"kernel {o.kver}; same tree, first kernel and first initrd, differing only in the kdump system")
    w(f"- Versions: kdumpkit `{sh('git -C ' + o.repo + ' describe --always --dirty --tags')}`, "
      f"kdump-tools {peer.get('KDUMP_TOOLS_VERSION', '?')}, makedumpfile {dpkgv('makedumpfile', o.base_tree)}, "
      f"dracut {dpkgv('dracut-core', o.base_tree)}, kexec-tools {dpkgv('kexec-tools', o.base_tree)}, "
      f"qemu {qemu}")
    w(f"- kdumpkit system `{ours}`: {label}")
    d = o.dump_level
    how = "(their defaults)" if d == "31" else "(BENCH_DUMP_LEVEL; both default to -d 31)"
    w(f"- Collectors: kdumpkit `makedumpfile -l -d {d}`, kdump-tools `makedumpfile -F -c -d {d}` {how}. "
      "Both dump to `/var/crash` on the root disk.")
    w("")
    w("| figure | kdumpkit (median) | kdump-tools (median) | kdumpkit / kdump-tools | kdumpkit per cycle | kdump-tools per cycle |")
    w("|---|---|---|---|---|---|")
    for name, a, b, nd in fig:
        ma, mb = med(a), med(b)
        w(f"| {name} | {fmt(ma, '', nd)} | {fmt(mb, '', nd) if b else 'n/a'} | {ratio(ma, mb) if b else '—'} "
          f"| {percyc(a, '', nd)} | {percyc(b, '', nd) if b else 'n/a'} |")
    loc, ssh, nfs, peer_i = isize("local" if ours == "kdumpkit" else "guest"), isize("ssh"), isize("nfs"), isize("peer")
    root_used = isize("peer_root_used")
    w(f"| capture image, local (MB) | {fmt(loc / MB if loc else None, '', 2)} | "
      f"{fmt(peer_i / MB if peer_i else None, '', 2)} initrd **+ the whole root fs it boots "
      f"({fmt(root_used / MB if root_used else None, '', 0)} MB used)** | {ratio(loc, peer_i)} (initrd only) | | |")
    sysroot_loc = isize("local")
    if ours != "kdumpkit" and sysroot_loc:
        w(f"| capture image, local, `kdumpctl rebuild --sysroot` (MB) | {sysroot_loc / MB:.2f} | "
          f"{fmt(peer_i / MB if peer_i else None, '', 2)} initrd + root fs | {ratio(sysroot_loc, peer_i)} (initrd only) | | |")
    w(f"| capture image, ssh / nfs, `kdumpctl rebuild --sysroot` (MB) | {fmt(ssh / MB if ssh else None, '', 2) if ssh else images.get('ssh', 'n/a')} / "
      f"{fmt(nfs / MB if nfs else None, '', 2) if nfs else images.get('nfs', 'n/a')} | n/a (same initrd + root fs) | | | |")
    if rc1:
        gs, gn = rnum("ssh", "image_bytes"), rnum("nfs", "image_bytes")
        w(f"| capture image, ssh / nfs, built by kdump.service in the guest (hostonly) (MB) "
          f"| {fmt(gs / MB if gs else None, '', 2)} / {fmt(gn / MB if gn else None, '', 2)} | n/a (same initrd + root fs) | | | |")
        w(f"| crash → vmcore saved over ssh / nfs (s; servers on the host loopback through qemu user networking) "
          f"| {fmt(rnum('ssh', 'crash_to_saved_s'))} / {fmt(rnum('nfs', 'crash_to_saved_s'))} | n/a (dumps locally) | | | |")
    rb, mk = num(images.get("kdumpkit_rebuild_s")), num(peer.get("MKINITRAMFS_S"))
    if ours == "kdumpkit":
        w(f"| capture image build, in the host chroot (s): `kdumpctl rebuild --sysroot` vs `mkinitramfs` (MODULES=list) "
          f"| {fmt(rb)} | {fmt(mk)} | {ratio(rb, mk)} | | |")
    else:
        gb = num(images.get("guest_build_s"))
        w(f"| capture image build (s): kdump.service building it in the TCG guest at first boot vs kdump-tools' "
          f"`mkinitramfs` (MODULES=list) in the host chroot | {fmt(gb)} | {fmt(mk)} | (not comparable) | | |")
    ck_k, ck_p = bisect.get(ours), bisect.get("peer")
    ckn = lambda v: num(v[:-1]) if v else None  # noqa: E731
    w(f"| smallest `crashkernel=` saving a valid vmcore and rebooting ({STEP}M steps) | {ck_k or 'not measured'} | "
      f"{ck_p or 'not measured'} | {ratio(ckn(ck_k), ckn(ck_p))} | | |")
    if ours != "kdumpkit" and bisect.get("kdumpkit"):
        w(f"| smallest `crashkernel=`, `kdumpctl rebuild --sysroot` image ({STEP}M steps) | {bisect['kdumpkit']} | "
          f"{ck_p or 'not measured'} | {ratio(ckn(bisect['kdumpkit']), ckn(ck_p))} | | |")
    for t in ("ssh", "nfs"):
        if bisect.get("remote-" + t):
            w(f"| smallest `crashkernel=` saving a valid vmcore over {t} and rebooting ({STEP}M steps, image built in the guest) "
              f"| {bisect['remote-' + t]} | n/a | | | |")
    nfail = {s: sum(1 for r in main_rows[s] if r["result"] != "PASS") for s in main_rows}
    w("")
    w(f"Cycles at `crashkernel={o.ck}`: kdumpkit {len(main_rows['kdumpkit'])} ({nfail['kdumpkit']} failed), "
      f"kdump-tools {len(main_rows['peer'])} ({nfail['peer']} failed). A cycle passes when the dump is on disk "
      "and checked on the host (kdumpkit: `test/vm/verify-dump.sh`, makedumpfile --dump-dmesg + libkdumpfile; "
      "kdump-tools: `makedumpfile -R` then --dump-dmesg shows the sysrq panic).")
    w("Peak memory: kdumpkit's own `kdump-collect` line (during collection); kdump-tools: a bench-only watcher "
      "started with `kdump-tools-dump.service` sampling `/proc/meminfo` every 0.2 s until `dump.<stamp>` appears.")
    w("")

    # goals
    w("| goal | measured | verdict |")
    w("|---|---|---|")
    cs_k, cs_p = med(fig[0][1]), med(fig[0][2])
    if cs_k is not None and cs_p:
        lim = cs_p / 2
        w(f"| crash → saved ≤ ½ of kdump-tools' ({fmt(lim)} s) | {fmt(cs_k)} s ({cs_k / cs_p:.2f}×) | "
          f"{'met' if cs_k <= lim else 'missed'} by {fmt(abs(lim - cs_k))} s |")
    else:
        w("| crash → saved ≤ ½ of kdump-tools' | n/a | not measured |")
    goals = [("local", ck_k, 96)] if not o.cma else [("fixed part with CMA, local", ck_k, 64)]
    goals += [(f"{t} target", bisect.get("remote-" + t), 112) for t in ("ssh", "nfs")]
    for name, val, lim in goals:
        v = ckn(val)
        w(f"| `crashkernel=` ≤ {lim}M ({name}) | {val or 'not measured'} | "
          f"{('met' if v <= lim else 'missed') + f' by {abs(lim - v):.0f}M' if v else 'not measured'} |")
    vk, vp = ckn(ck_k), ckn(ck_p)
    if vk and vp and not o.cma:
        w(f"| `crashkernel=` ≥ 16M below kdump-tools' (local) | {ck_k} vs {ck_p} ({vp - vk:.0f}M below) | "
          f"{'met' if vp - vk >= 16 else 'missed'} by {abs(vp - vk - 16):.0f}M |")
    pk, pp = med(fig[3][1]), med(fig[3][2])
    if pk is not None and pp:
        w(f"| peak capture memory ≤ kdump-tools' | {pk:.1f} vs {pp:.1f} MiB | "
          f"{'met' if pk <= pp else 'missed'} by {abs(pp - pk):.1f} MiB |")
    sizes = [("local", loc, 12), ("ssh, --sysroot", ssh, 16), ("nfs, --sysroot", nfs, 16)]
    if rc1:
        sizes += [("ssh, built in the guest", rnum("ssh", "image_bytes"), 16),
                  ("nfs, built in the guest", rnum("nfs", "image_bytes"), 16)]
    for name, val, lim in sizes:
        if val:
            w(f"| capture image ≤ {lim} MB ({name}) | {val / MB:.2f} MB | "
              f"{'met' if val <= lim * MB else 'missed'} by {abs(lim * MB - val) / MB:.2f} MB |")
        else:
            w(f"| capture image ≤ {lim} MB ({name}) | {images.get(name.split(',')[0], 'n/a')} | not measured |")
    st, kx = med(fig[5][1]), med(fig[6][1])
    # per cycle: the same boot's start minus its bare kexec -p, then the median
    over = med([a - b if a is not None and b is not None else None for a, b in zip(fig[5][1], fig[6][1])])
    if st is not None and kx is not None and over is not None:
        w(f"| `kdumpctl start`, nothing changed, < 0.2 s + kexec load | {st:.2f} s total, kexec -p {kx:.2f} s, "
          f"rest {over:.2f} s (median of per-cycle differences) | {'met' if over < 0.2 else 'missed'} by {abs(0.2 - over):.2f} s |")
    else:
        w("| `kdumpctl start`, nothing changed, < 0.2 s + kexec load | n/a | not measured |")
    w("")
    raw = os.path.dirname(o.cycles)
    analysis = memory_analysis(raw, ours, bisect.get(ours), f"console-{ours}-ck%dM.log.gz",
                               "guest" if ours == "kdumpkit-guest" else "local", 96)
    remote_an = memory_analysis(raw, "ssh target", bisect.get("remote-ssh"), "console-remote-ssh-ck%dM.log.gz",
                                "guest-ssh", 112)
    if remote_an:
        analysis += ([""] if analysis else []) + remote_an
    peak = peak_analysis(raw, ours, o.ck)
    if peak:
        analysis += ([""] if analysis else []) + peak
    if analysis:
        w("## Where the crash memory goes (from this run's consoles)")
        w("")
        out.extend(analysis)
        w("")
    print("\n".join(out))


def peak_analysis(raw, ours, ck):
    """What held the memory at each system's lowest MemAvailable in its first
    cycle at `ck`: kdump-collect's "memory at that low:" line and the peer
    watcher's line of the same reading."""
    r = []
    for sys, mark, who in ((ours, "kdump: memory at that low: ", "kdumpkit"),
                           ("peer", "KDBENCH memory at that low: ", "kdump-tools")):
        lines = capture_boot(console_lines(os.path.join(raw, f"console-{sys}-c1.log.gz")))
        detail = [x.split(mark, 1)[1].strip() for x in lines if mark in x]
        if detail:
            r.append(f"- {who}: {detail[-1]}")
    if r:
        r.insert(0, f"At the peak of the first cycle at `crashkernel={ck}` (each program's Pss and its anonymous "
                    "part, then /proc/meminfo: the fields before Cached are what MemAvailable cannot count as "
                    "available; Unevictable is kdumpkit's initramfs in its ramfs):")
    return r


STEP = 16  # the bisection step (--step)

MEM_RE = re.compile(r"Memory: (\d+)K/(\d+)K available \((\d+)K kernel code, (\d+)K rwdata, (\d+)K rodata, "
                    r"(\d+)K init, (\d+)K bss, (\d+)K reserved")


def console_lines(path):
    try:
        with gzip.open(path, "rt", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def capture_boot(lines):
    """The lines of the capture kernel's boot: after the panic."""
    for i, line in enumerate(lines):
        if "Kernel panic - not syncing: sysrq triggered crash" in line:
            return lines[i:]
    return []


def unpacked_bytes(listing):
    total = 0
    try:
        with gzip.open(listing, "rt", errors="replace") as f:
            for line in f:
                p = line.split()
                if len(p) >= 9 and p[0].startswith("-") and p[4].isdigit():
                    total += int(p[4])
    except OSError:
        return None
    return total or None


def memory_analysis(raw, ours, ck, console, image, goal):
    """What the smallest working crashkernel= `ck` of `ours` was spent on,
    from the capture boot of that bisection step and of the step below it
    (console % step) and the image's listing."""
    if not ck:
        return []
    n = int(ck[:-1])
    ok = capture_boot(console_lines(os.path.join(raw, console % n)))
    bad = capture_boot(console_lines(os.path.join(raw, console % (n - STEP))))
    m = next((MEM_RE.search(x) for x in ok if MEM_RE.search(x)), None)
    if not m:
        return []
    avail, total, code, rw, ro, init, bss, reserved = (int(v) / 1024 for v in m.groups())
    kernel = code + rw + ro + init + bss
    initrd = next((int(re.search(r"Freeing initrd memory: (\d+)K", x).group(1)) / 1024
                   for x in ok if "Freeing initrd memory" in x), None)
    peak = next((re.search(r"MemAvailable min (\d+) kB of MemTotal (\d+) kB", x) for x in ok
                 if "peak memory during collection" in x), None)
    unp = unpacked_bytes(os.path.join(raw, "capture-images", f"kdumpkit-{image}.lsinitrd.txt.gz"))
    r = [f"At `crashkernel={ck}`, the smallest that worked for `{ours}`, the capture kernel reported "
         f"{total:.1f} MiB of memory, of which {reserved:.1f} MiB reserved before userspace: the kernel image "
         f"itself {kernel:.1f} MiB ({code:.1f} code, {rw + ro:.1f} data, {bss:.1f} bss, {init:.1f} init), "
         f"the compressed initramfs {fmt(initrd)} MiB, and {reserved - kernel - (initrd or 0):.1f} MiB of "
         f"the kernel's own early allocations (page structures, page tables, per-CPU areas); "
         f"{avail:.1f} MiB were left to unpack the initramfs"
         + (f" ({unp / MIB:.1f} MiB unpacked)" if unp else "") + " and run the capture."]
    if peak:
        pa, pt = int(peak.group(1)) / 1024, int(peak.group(2)) / 1024
        r.append(f"During the collection userspace saw MemTotal {pt:.1f} MiB (after the kernel freed its init "
                 f"memory and the compressed image) and used at most {pt - pa:.1f} MiB of it, the unpacked "
                 f"image included; {pa:.1f} MiB stayed free.")
        detail = next((x.split("memory at that low: ", 1)[1].strip() for x in ok if "memory at that low: " in x), None)
        if detail:
            r.append(f"At that low: {detail} (kdump-collect's reading: programs by proportional set size and its "
                     f"anonymous part, then /proc/meminfo: Unevictable is the initramfs in its ramfs, Cached all "
                     f"file pages).")
    if bad:
        why = ("out of memory while unpacking the initramfs" if any("invoked oom-killer" in x for x in bad)
               and not any("Run /init" in x for x in bad) else
               "out of memory" if any("invoked oom-killer" in x or "Out of memory" in x for x in bad) else
               "no saved dump")
        r.append(f"At {n - STEP}M the capture failed: {why}.")
    r.append(f"So the {goal}M goal leaves, after the kernel's fixed {reserved - (initrd or 0):.1f} MiB, "
             f"{goal - (reserved - (initrd or 0)):.1f} MiB for the compressed and the unpacked image and "
             f"everything the capture runs; the kernel image is the distribution's, not kdumpkit's.")
    return r


if __name__ == "__main__":
    main()
