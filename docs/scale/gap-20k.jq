# One partner with 20,000 usage rows for timing `designate gap` (docs/performance.md), made from a generated
# portfolio: every partner's customers renamed `p<N>-<id>` and their usage concatenated, the first 20,000 rows
# kept; the people are those of the first partner only, so that most designations are not attained.
#   target/release/designate generate --partners 40 --seed 3 | jq -s -f docs/scale/gap-20k.jq > /tmp/p20k.json
to_entries
| { partner: { id: "p-20k", name: "Twenty Thousand Rows" },
    as_of: .[0].value.as_of,
    customers: [ .[] | .key as $k | .value.customers[] | .id = "p\($k)-\(.id)" ],
    people: [ .[0].value.people[]? ],
    usage: ([ .[] | .key as $k | .value.usage[] | .customer = "p\($k)-\(.customer)" ][:20000]) }
