"""Runs an ArgoCD Lua health check on one object, as ArgoCD does, and prints the result as JSON.

    .tools/venv/bin/python packaging/tests/health/run.py examples/argocd-health-camera.lua CAMERA.json
    {"status": "Healthy", "message": "..."}

Lua 5.1 (lupa.lua51), the version ArgoCD's gopher-lua implements. The object is a Lua table in the global
`obj`, converted from JSON the way ArgoCD converts it: objects become tables, arrays become tables indexed from
1, null fields are absent. Libraries ArgoCD does not give a health check (io, os, debug, loading files) are
removed, so a script that relies on them fails here too. Exits 1 when the script fails or returns no status.
"""

import json
import sys

from lupa import lua51


def to_lua(lua, value):
    if isinstance(value, dict):
        table = lua.table()
        for key, item in value.items():
            if item is not None:
                table[key] = to_lua(lua, item)
        return table
    if isinstance(value, list):
        table = lua.table()
        for index, item in enumerate(value, start=1):
            table[index] = to_lua(lua, item)
        return table
    return value


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: run.py HEALTH.lua OBJECT.json")
    with open(sys.argv[1], encoding="utf-8") as file:
        script = file.read()
    with open(sys.argv[2], encoding="utf-8") as file:
        obj = json.load(file)

    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    env = lua.globals()
    for name in ("io", "os", "debug", "dofile", "loadfile", "load", "loadstring"):
        env[name] = None
    env.obj = to_lua(lua, obj)
    result = lua.execute(script)
    if result is None or result["status"] is None:
        sys.exit(f"{sys.argv[1]} returned no status for {sys.argv[2]}")
    print(json.dumps({"status": result["status"], "message": result["message"] or ""}))


if __name__ == "__main__":
    main()
