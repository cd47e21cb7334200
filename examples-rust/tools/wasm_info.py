#!/usr/bin/env python3
"""Summarise a core wasm module: imports, exports, memory limits, and whether any code
uses SIMD (0xFD-prefixed) instructions. Std-lib only; written for checking our guests.

usage: wasm_info.py [--json] FILE.wasm...
Exit status 1 if a module uses SIMD (Chicory's compiler cannot compile it).
"""
import json
import sys

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}


class Reader:
    def __init__(self, data, pos=0):
        self.d, self.p = data, pos

    def byte(self):
        b = self.d[self.p]
        self.p += 1
        return b

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def sleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result

    def name(self):
        n = self.uleb()
        s = self.d[self.p:self.p + n].decode("utf-8", "replace")
        self.p += n
        return s

    def limits(self):
        flags = self.uleb()
        lo = self.uleb()
        hi = self.uleb() if flags & 1 else None
        return lo, hi


def valtype_blocktype(r):
    b = r.d[r.p]
    if b == 0x40 or b in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F):
        r.p += 1
    else:
        r.sleb()  # type index


def scan_code(r, end, stats):
    """Walk every instruction of one function body; count opcodes by prefix."""
    while r.p < end:
        op = r.byte()
        if op in (0x02, 0x03, 0x04):
            valtype_blocktype(r)
        elif op in (0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2):
            r.uleb()
        elif op == 0x0E:
            for _ in range(r.uleb() + 1):
                r.uleb()
        elif op == 0x11:
            r.uleb(); r.uleb()
        elif op == 0x1C:
            for _ in range(r.uleb()):
                r.byte()
        elif 0x28 <= op <= 0x3E:
            r.uleb(); r.uleb()
        elif op in (0x3F, 0x40):
            r.byte()
        elif op == 0x41:
            r.sleb()
        elif op == 0x42:
            r.sleb()
        elif op == 0x43:
            r.p += 4
        elif op == 0x44:
            r.p += 8
        elif op == 0xD0:
            r.byte()
        elif op == 0xFC:
            sub = r.uleb()
            stats["0xFC"] = stats.get("0xFC", 0) + 1
            if sub in (8,):
                r.uleb(); r.byte()
            elif sub in (9, 13, 15, 16, 17):
                r.uleb()
            elif sub in (10, 12, 14):
                r.uleb(); r.uleb()
            elif sub == 11:
                r.byte()
        elif op == 0xFD:
            stats["simd"] = stats.get("simd", 0) + 1
            return False  # layout of the rest unknown; one is enough
        elif op == 0xFE:
            stats["atomics"] = stats.get("atomics", 0) + 1
            return False
        # everything else (control, numeric, parametric) has no immediates
    return True


def inspect(path):
    data = open(path, "rb").read()
    assert data[:4] == b"\0asm", f"{path}: not a wasm module"
    r = Reader(data, 8)
    info = {"file": path, "imports": [], "exports": [], "memory": None, "simd": 0, "start": None}
    n_func_imports = 0
    while r.p < len(data):
        sid = r.byte()
        size = r.uleb()
        end = r.p + size
        if sid == 2:
            for _ in range(r.uleb()):
                mod, name, kind = r.name(), r.name(), r.byte()
                if kind == 0:
                    r.uleb(); n_func_imports += 1
                elif kind == 1:
                    r.byte(); r.limits()
                elif kind == 2:
                    info["memory"] = {"imported": True, "limits": r.limits()}
                elif kind == 3:
                    r.byte(); r.byte()
                info["imports"].append(f"{mod}.{name}")
        elif sid == 5:
            n = r.uleb()
            if n:
                lo, hi = r.limits()
                info["memory"] = {"initial_pages": lo, "max_pages": hi}
        elif sid == 7:
            for _ in range(r.uleb()):
                name, kind, idx = r.name(), r.byte(), r.uleb()
                info["exports"].append(f"{KINDS.get(kind, kind)} {name}")
        elif sid == 8:
            info["start"] = r.uleb()
        elif sid == 10:
            stats = {}
            for _ in range(r.uleb()):
                body_size = r.uleb()
                body_end = r.p + body_size
                for _ in range(r.uleb()):
                    r.uleb(); r.byte()
                if scan_code(r, body_end, stats) and r.p != body_end:
                    raise SystemExit(f"{path}: instruction decoding out of step; cannot judge SIMD use")
                r.p = body_end
            info["simd"] = stats.get("simd", 0)
            info["code_prefix_ops"] = stats
        r.p = end
    return info


def main(argv):
    as_json = "--json" in argv
    files = [a for a in argv if a != "--json"]
    bad = False
    results = [inspect(f) for f in files]
    for info in results:
        bad |= info["simd"] > 0
        if as_json:
            continue
        print(info["file"])
        print(f"  memory: {info['memory']}")
        print(f"  start section: {info['start']}")
        print(f"  simd functions: {info['simd']}  prefixed ops: {info.get('code_prefix_ops')}")
        print(f"  imports ({len(info['imports'])}):")
        for i in info["imports"]:
            print(f"    {i}")
        print(f"  exports ({len(info['exports'])}):")
        for e in info["exports"]:
            print(f"    {e}")
    if as_json:
        print(json.dumps(results, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
