#!/usr/bin/python3
"""Read files out of an ext4 or XFS disk image without mounting it.

  fsread.py IMAGE ls PATH          one line per entry: TYPE SIZE NAME (TYPE d/f/l/o)
  fsread.py IMAGE get PATH DEST    copy file or directory PATH (recursively) to DEST

ext4 goes through debugfs (e2fsprogs).  XFS goes through xfs_db (xfsprogs),
which can list directories and map a file's extents but not copy data: the
extents are read straight from the image.  Btrfs goes through `btrfs
restore` (btrfs-progs), which copies a subtree out (subvolumes included,
paths from the top level) into IMAGE.btrfs/, read from there.  Exit 2 when
PATH does not exist.
"""
import os
import re
import shutil
import subprocess
import sys

TIMEOUT = 300


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def fstype(image):
    rc, out, _ = run(["blkid", "-p", "-o", "value", "-s", "TYPE", image])
    return out.strip() if rc == 0 else ""


class NotFound(Exception):
    pass


# --- ext4 ---------------------------------------------------------------------
class Ext4:
    def __init__(self, image):
        self.image = image

    def debugfs(self, cmd):
        rc, out, err = run(["debugfs", "-R", cmd, self.image])
        return out, err

    def stat_type(self, path):
        out, err = self.debugfs("stat " + path)
        m = re.search(r"Type: (\w+)", out)
        if not m:
            raise NotFound(path)
        return {"regular": "f", "directory": "d", "symlink": "l"}.get(m.group(1), "o")

    def ls(self, path):
        if self.stat_type(path) != "d":
            raise NotFound(path)
        out, _ = self.debugfs("ls -p " + path)
        entries = []
        for line in out.splitlines():
            # /INODE/MODE/UID/GID/NAME/SIZE/
            f = line.split("/")
            if len(f) < 7 or f[5] in (".", ".."):
                continue
            mode = int(f[2], 8)
            kind = {0o040000: "d", 0o100000: "f", 0o120000: "l"}.get(mode & 0o170000, "o")
            entries.append((kind, int(f[6] or 0), f[5]))
        return entries

    def get(self, path, dest):
        kind = self.stat_type(path)
        if kind == "d":
            os.makedirs(dest, exist_ok=True)
            # rdump creates DEST/<basename PATH>
            self.debugfs("rdump %s %s" % (path, dest))
        else:
            if os.path.isdir(dest):
                dest = os.path.join(dest, os.path.basename(path))
            self.debugfs("dump %s %s" % (path, dest))


# --- xfs ----------------------------------------------------------------------
class Xfs:
    def __init__(self, image):
        self.image = image
        out = self.db("sb 0", "print blocksize agblocks")
        vals = dict(re.findall(r"(\w+) = (\d+)", out))
        self.blocksize = int(vals["blocksize"])
        self.agblocks = int(vals["agblocks"])

    def db(self, *cmds):
        argv = ["xfs_db", "-r"]
        for c in cmds:
            argv += ["-c", c]
        rc, out, err = run(argv + [self.image])
        if rc != 0 or "not found" in err or "bad" in err.lower():
            raise NotFound("%s: %s" % (" ; ".join(cmds), err.strip()))
        return out

    def inode_info(self, path):
        out = self.db("path " + path, "print core.mode core.size")
        vals = dict(re.findall(r"core\.(\w+) = (\S+)", out))
        if "mode" not in vals:
            raise NotFound(path)
        mode = int(vals["mode"], 8)
        kind = {0o040000: "d", 0o100000: "f", 0o120000: "l"}.get(mode & 0o170000, "o")
        return kind, int(vals["size"])

    def ls(self, path):
        kind, _ = self.inode_info(path)
        if kind != "d":
            raise NotFound(path)
        out = self.db("path " + path, "ls")
        entries = []
        for line in out.splitlines():
            # OFFSET INODE TYPE HASH NAMELEN NAME (good)
            m = re.match(r"\s*\d+\s+\d+\s+(\S+)\s+0x[0-9a-f]+\s+(\d+)\s+(.*?)\s+\(\w+\)\s*$", line)
            if not m or m.group(3) in (".", ".."):
                continue
            name = m.group(3)
            child = path.rstrip("/") + "/" + name
            ckind, size = self.inode_info(child)
            entries.append((ckind, size, name))
        return entries

    def read_file(self, path, dest):
        kind, size = self.inode_info(path)
        if kind != "f":
            raise NotFound(path)
        out = self.db("path " + path, "bmap")
        with open(self.image, "rb") as img, open(dest, "wb") as f:
            f.truncate(size)  # holes and unwritten extents read as zeros
            for line in out.splitlines():
                m = re.match(r"data offset (\d+) startblock \d+ \((\d+)/(\d+)\) count (\d+) flag (\d+)", line)
                if not m:
                    continue
                off, ag, agbno, count, flag = (int(x) for x in m.groups())
                if flag:  # unwritten: reads as zeros
                    continue
                img.seek((ag * self.agblocks + agbno) * self.blocksize)
                f.seek(off * self.blocksize)
                left = min(count * self.blocksize, max(size - off * self.blocksize, 0))
                while left > 0:
                    buf = img.read(min(left, 1 << 22))
                    if not buf:
                        raise IOError("short read from image")
                    f.write(buf)
                    left -= len(buf)
            f.truncate(size)

    def get(self, path, dest):
        kind, _ = self.inode_info(path)
        if kind == "d":
            target = os.path.join(dest, os.path.basename(path.rstrip("/")))
            os.makedirs(target, exist_ok=True)
            for ckind, _, name in self.ls(path):
                if ckind in ("d", "f"):
                    self.get(path.rstrip("/") + "/" + name, target)
        else:
            if os.path.isdir(dest):
                dest = os.path.join(dest, os.path.basename(path))
            self.read_file(path, dest)


# --- btrfs --------------------------------------------------------------------
class Btrfs:
    def __init__(self, image):
        self.image = image
        self.cache = image + ".btrfs"

    def restored(self, path):
        """PATH's subtree, restored once into the cache."""
        parts = [p for p in path.split("/") if p]
        local = os.path.join(self.cache, *parts)
        marker = os.path.join(self.cache, ".tried-" + "_".join(parts))
        if not os.path.lexists(local) and not os.path.exists(marker):
            os.makedirs(self.cache, exist_ok=True)
            # ^/(|a(|/b(|/.*)))$ : every ancestor, then all below
            rx = "(|/.*)"
            for p in reversed(parts):
                rx = "(|/" + re.escape(p) + rx + ")"
            rc, _, err = run(["btrfs", "restore", "-m", "-S", "--path-regex", "^" + rx[2:-1] + "$",
                              self.image, self.cache])
            open(marker, "w").close()
            if rc != 0:
                sys.stderr.write("fsread: btrfs restore: %s" % err[-300:])
        if not os.path.lexists(local):
            raise NotFound(path)
        return local

    def ls(self, path):
        local = self.restored(path)
        if not os.path.isdir(local) or os.path.islink(local):
            raise NotFound(path)
        entries = []
        for e in os.scandir(local):
            kind = "l" if e.is_symlink() else "d" if e.is_dir() else "f" if e.is_file() else "o"
            entries.append((kind, e.stat(follow_symlinks=False).st_size, e.name))
        return entries

    def get(self, path, dest):
        local = self.restored(path)
        if os.path.isdir(local):
            shutil.copytree(local, os.path.join(dest, os.path.basename(path.rstrip("/"))),
                            symlinks=True, dirs_exist_ok=True)
        else:
            if os.path.isdir(dest):
                dest = os.path.join(dest, os.path.basename(path))
            shutil.copy2(local, dest)


def main(argv):
    if len(argv) < 4 or argv[2] not in ("ls", "get") or (argv[2] == "get" and len(argv) != 5):
        sys.stderr.write(__doc__)
        return 64
    image, cmd, path = argv[1], argv[2], argv[3]
    kind = fstype(image)
    if kind == "ext4":
        fs = Ext4(image)
    elif kind == "xfs":
        fs = Xfs(image)
    elif kind == "btrfs":
        fs = Btrfs(image)
    else:
        sys.stderr.write("fsread: %s: unsupported file system '%s'\n" % (image, kind))
        return 1
    try:
        if cmd == "ls":
            for k, size, name in fs.ls(path):
                print(k, size, name)
        else:
            fs.get(path, argv[4])
    except NotFound:
        sys.stderr.write("fsread: %s: no such file or directory in %s\n" % (path, image))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
