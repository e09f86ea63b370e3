#!/usr/bin/python3
"""check_layers: holds core/'s layering. Each folder of core/ is a layer, in this order from the
bottom: base, store, zarr, image, vtiff, tree; fs/ (the FUSE adapter) sits on top. A file may
include headers of its own layer and the layers below it, never above; no two modules (a .c and
its .h) depend on each other in a circle, by their includes or (when objects are given) by the
functions they call; core/ has no file at its root; fs/ reaches no curl or jansson header.

usage: check_layers.py [REPO] [OBJDIR]   (OBJDIR: build/obj, for the call graph; optional)
Prints one line per violation and exits 1 when there is any."""
import os
import re
import subprocess
import sys

LAYERS = ["base", "store", "zarr", "image", "vtiff", "tree"]
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)
HIDDEN = ("curl/", "jansson.h")  # library headers that stay inside core/


def sources(repo):
    out = []
    for top in ("core", "fs"):
        for dirpath, _, names in os.walk(os.path.join(repo, top)):
            out += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h"))]
    return sorted(out)


def rel(repo, path):
    return os.path.relpath(path, repo)


def layer_of(relpath):
    parts = relpath.split("/")
    if parts[0] == "fs":
        return len(LAYERS)
    return LAYERS.index(parts[1]) if len(parts) > 2 and parts[1] in LAYERS else None


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def resolve(repo, src_rel, name):
    """The repository path of a quoted include, or None for one outside the repository."""
    for base in (os.path.dirname(src_rel), "core"):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(repo, cand)):
            return cand
    return None


def module(relpath, repo=None):
    """A .c and its .h are one module; a header with no .c of its own named after a module
    (store_backend.h beside store.c, vtiff_layout.h beside vtiff.c) is another face of it."""
    stem = os.path.splitext(relpath)[0]
    if repo and relpath.endswith(".h") and not os.path.isfile(os.path.join(repo, stem + ".c")):
        head, name = os.path.split(stem)
        parts = name.split("_")
        for k in range(len(parts) - 1, 0, -1):
            owner = os.path.join(head, "_".join(parts[:k]))
            if os.path.isfile(os.path.join(repo, owner + ".c")):
                return owner
    return stem


def find_cycles(graph):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def call_graph(repo, objdir):
    """module -> modules whose functions it calls, from the objects' symbol tables."""
    defined, wanted = {}, {}
    for dirpath, _, names in os.walk(os.path.join(objdir, "core")):
        for n in names:
            if not n.endswith(".o"):
                continue
            obj = os.path.join(dirpath, n)
            mod = module(os.path.relpath(obj, objdir))
            syms = subprocess.run(["nm", obj], capture_output=True, text=True).stdout
            for line in syms.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "TDBR":
                    defined[parts[2]] = mod
                elif len(parts) == 2 and parts[0] == "U":
                    wanted.setdefault(mod, set()).add(parts[1])
    graph = {}
    for mod, syms in wanted.items():
        graph[mod] = {defined[s] for s in syms if s in defined and defined[s] != mod}
    return graph


def main():
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    objdir = sys.argv[2] if len(sys.argv) > 2 else None
    problems = []
    for n in os.listdir(os.path.join(repo, "core")):
        if os.path.isfile(os.path.join(repo, "core", n)):
            problems.append(f"core/{n}: a file at core/'s root; it belongs in a layer's folder")
    graph, headers = {}, {}
    for path in sources(repo):
        r = rel(repo, path)
        mine = layer_of(r)
        if mine is None:
            problems.append(f"{r}: not in a layer folder ({', '.join(LAYERS)})")
            continue
        for kind, name in includes(path):
            if kind == "<":
                headers.setdefault(r, set()).add(name)
                continue
            target = resolve(repo, r, name)
            if target is None:
                continue
            headers.setdefault(r, set()).add(target)
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                problems.append(f"{r}: includes {name}, a higher layer "
                                f"({LAYERS[theirs] if theirs < len(LAYERS) else 'fs'} above "
                                f"{LAYERS[mine] if mine < len(LAYERS) else 'fs'})")
            if module(target, repo) != module(r, repo):
                graph.setdefault(module(r, repo), set()).add(module(target, repo))
    for comp in find_cycles(graph):
        problems.append("include circle: " + " <-> ".join(comp))
    if objdir and os.path.isdir(os.path.join(objdir, "core")):
        for comp in find_cycles(call_graph(repo, objdir)):
            problems.append("call circle: " + " <-> ".join(comp))
    # what the FUSE adapter reaches through its includes
    for path in sources(repo):
        r = rel(repo, path)
        if not r.startswith("fs/"):
            continue
        seen, todo = set(), [r]
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            for h in headers.get(cur, ()):
                if h.startswith(HIDDEN):
                    problems.append(f"{r}: reaches <{h}> through {cur}")
                elif "/" in h and os.path.isfile(os.path.join(repo, h)):
                    todo.append(h)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
