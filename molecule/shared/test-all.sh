#!/bin/bash
# Every Molecule scenario (`molecule test -s NAME`), $MOLECULE_JOBS at a time (default 2): each on
# its own small lab and subnet, so they do not meet. A scenario's whole output is printed when it
# ends (never interleaved with another's), then "molecule scenario NAME: N s"; the exit status
# is 1 if any scenario failed. Run from the project's root (make molecule).
set -u
logs=.lpse/molecule
mkdir -p "$logs"
run_one() {
    local name=$1 start rc
    start=$(date +%s)
    molecule test -s "$name" > "$logs/$name.log" 2>&1
    rc=$?
    {
        flock 9
        cat "$logs/$name.log"
        [ "$rc" -eq 0 ] || echo "molecule scenario $name FAILED (exit $rc)"
        echo "molecule scenario $name: $(( $(date +%s) - start )) s"
    } 9> "$logs/.print.lock"
    return "$rc"
}
export -f run_one
export logs
for scenario in molecule/*/molecule.yml; do basename "$(dirname "$scenario")"; done |
    xargs -P "${MOLECULE_JOBS:-2}" -I{} bash -c 'run_one "$1"' _ {}
