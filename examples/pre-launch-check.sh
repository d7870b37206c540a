#!/bin/sh
# Pre-launch check: audit the exports an automation is about to run on, and stop the
# launch unless that workflow is ready: its score reaches the threshold and no
# zero-tolerance blocker is left (one contact opted out elsewhere is enough to stop it).
#
#   examples/pre-launch-check.sh WORKFLOW THRESHOLD SOURCE...
#   examples/pre-launch-check.sh welcome_email 90 crm=hubspot_contacts.csv \
#       esp=mailchimp_audience.zip && ./launch-welcome-series.sh
#
# Exit 0: ready, go ahead. 1: not ready (the reason is on stderr and in the summary). 2: the
# audit could not run (unreadable export, unknown workflow, bad threshold). The summary and audit.json go to
# $HYGIENE_OUT (default pre-launch-report); $HYGIENE is the command (default hygiene).
set -u

if [ "$#" -lt 3 ]; then
    echo "usage: $0 WORKFLOW THRESHOLD SOURCE..." >&2
    exit 2
fi
workflow=$1
threshold=$2
shift 2
out=${HYGIENE_OUT:-pre-launch-report}

# $HYGIENE is left unquoted on purpose: it may be a command with arguments.
${HYGIENE:-hygiene} audit "$@" --workflow "$workflow" --fail-under "$threshold" \
    --out "$out" --format json,md --quiet
status=$?

case $status in
    0) echo "ready: $workflow reaches $threshold with no zero-tolerance blocker; go ahead" ;;
    1) echo "NOT ready: $workflow is not ready at $threshold; see $out/summary.md" >&2 ;;
    *) echo "the audit did not run (exit $status); not launching" >&2 ;;
esac
exit "$status"
