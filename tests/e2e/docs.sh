#!/usr/bin/env bash
# tests/e2e/docs.sh SIPSIM SOURCE_ROOT - every result the documentation
# and the ready scenarios state is produced again (issue 19, point 6):
#  - each scenarios/*.ini is run and `sipsim check`ed: its [expect]
#    section encodes what its opening comment promises;
#  - each is plotted with its [plot] section, and every figure's script
#    has a title naming the scenario, axis labels with units, and a y
#    axis that does not go below zero;
#  - doc/scenarios.md "A complete example" holds all its 17 checks;
#  - doc/guide.md section 6's sweep breaches the quick start's bound at
#    expires=3600 only, as the guide says, and its typo gets the error
#    the guide prints.
set -euo pipefail
SIPSIM=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail () { echo "FAIL: $*" >&2; exit 1; }
step () { echo "--- $*"; }

for sc in "$ROOT"/scenarios/*.ini; do
  n=$(basename "$sc" .ini)
  step "scenarios/$n.ini: its [expect] holds; its [plot] figures are labelled"
  "$SIPSIM" check "$sc" -o "$T/$n.db" -q >"$T/$n.check" 2>&1 || { cat "$T/$n.check"; fail "$n: check failed"; }
  grep -q " 0 failed" "$T/$n.check" || fail "$n: no summary"
  "$SIPSIM" plot "$T/$n.db" -q -o "$T/$n-plots" || fail "$n: plot failed"
  n_png=$(ls "$T/$n-plots"/*.png | wc -l)
  n_plot=$(awk '/^\[plot\]/{f=1;next} /^\[/{f=0} f && /=/' "$sc" | wc -l)
  [ "$n_png" -eq "$n_plot" ] || fail "$n: $n_png figures, its [plot] section names $n_plot"
  for gp in "$T/$n-plots"/*.gp; do
    grep -q "title \"$n: " "$gp" || fail "$gp: title does not name the scenario"
    if grep -q "^set ylabel" "$gp"; then
      grep -q '^set ylabel ".*(.*)"' "$gp" || fail "$gp: y label without unit"
      grep -q '^set yrange \[0:' "$gp" || fail "$gp: y axis may go below zero"
    fi
    grep -q '^set xlabel ".*(.*)"' "$gp" || grep -q '^set xlabel "[a-z_]*"$' "$gp" \
      || fail "$gp: x label without unit"
  done
done

step "doc/scenarios.md, A complete example: all 17 checks hold"
awk '/^## A complete example/{f=1} f&&/^```ini/{g=1;next} g&&/^```/{exit} g{print}' \
  "$ROOT/doc/scenarios.md" >"$T/example.ini"
[ -s "$T/example.ini" ] || fail "no example found in doc/scenarios.md"
"$SIPSIM" check "$T/example.ini" -o "$T/example.db" -q >"$T/example.out" 2>&1 \
  || { cat "$T/example.out"; fail "the complete example fails its own checks"; }
grep -q "17 checks, 17 passed, 0 failed" "$T/example.out" || { cat "$T/example.out"; fail "example summary"; }

step "doc/guide.md section 6: the expiry sweep breaches the quick start's bound at 3600 s only"
mkdir -p "$T/guide/scenarios"
cp "$ROOT/scenarios/quick-start.ini" "$T/guide/scenarios/"
awk '/^## 6\./{f=1} f&&/^```ini/{g=1;next} g&&/^```/{exit} g{print}' "$ROOT/doc/guide.md" \
  >"$T/guide/my-expiry-sweep.ini"
grep -q "expires = 120, 600, 3600" "$T/guide/my-expiry-sweep.ini" || fail "guide example not found"
set +e
( cd "$T/guide" && "$SIPSIM" check my-expiry-sweep.ini -q >"$T/guide.out" 2>&1 )
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$T/guide.out"; fail "guide sweep check exited $rc, not 1"; }
grep -q "^FAIL.*\[expires=3600\]" "$T/guide.out" || { cat "$T/guide.out"; fail "no breach at 3600"; }
if grep -q "^FAIL.*\[expires=\(120\|600\)\]" "$T/guide.out"; then
  cat "$T/guide.out"; fail "a breach at 120 or 600, which the guide does not say"
fi
sed 's/RegisterExpires = /RegisterExpirs = /' "$T/guide/my-expiry-sweep.ini" >"$T/guide/typo.ini"
set +e
( cd "$T/guide" && "$SIPSIM" run typo.ini -q 2>"$T/typo.err" )
set -e
grep -q "did you mean 'SP1::RegisterExpires'" "$T/typo.err" || { cat "$T/typo.err"; fail "typo error"; }

step "doc/check.md: --print-golden with --filter prints [golden] lines for that point"
"$SIPSIM" check "$ROOT/scenarios/obi-srv-failover.ini" -o "$T/obi-srv-failover.db" --print-golden \
  --filter 'expires=60' -q >"$T/golden.txt"
grep -q '^\[golden\]$' "$T/golden.txt" || fail "no [golden] line"
grep -qE '^expires60_r0 = expires=60#0 [0-9a-f]{16}$' "$T/golden.txt" || { cat "$T/golden.txt"; fail "golden line format"; }
[ "$(grep -c '^expires60_r' "$T/golden.txt")" -eq 50 ] || fail "expected 50 golden lines (50 replications)"

echo "docs: all steps passed"
