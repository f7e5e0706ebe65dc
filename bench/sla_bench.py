"""Benchmark sla.calendar.BusinessCalendar against businesstimedelta.

    .venv/bin/python bench/sla_bench.py [--n 100000] [--seed 1] [--btd-n 10000]

Standard calendar (Mon-Fri 08:30-12:30 + 14:00-18:00, Europe/Paris, French public holidays) on
N random cases over 2026-2030: aware Europe/Paris starts on whole seconds, durations half
1 h / 4 h / 8 h / 16 h, half random whole minutes up to 80 business hours; for ``elapsed`` the
end is the start plus a random real span of up to 21 days. businesstimedelta being slow, it
runs on the first ``--btd-n`` cases only; ops/s figures are per case either way. The results
of both engines are compared on those cases.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import holidays
import pytz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sla.calendar import BusinessCalendar  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
FIXED = [timedelta(hours=h) for h in (1, 4, 8, 16)]


def make_cases(n: int, seed: int):
    rng = random.Random(seed)
    lo = int(datetime(2026, 1, 1, tzinfo=PARIS).timestamp())
    hi = int(datetime(2031, 1, 1, tzinfo=PARIS).timestamp())
    starts, durations, ends = [], [], []
    for _ in range(n):
        start = datetime.fromtimestamp(rng.randrange(lo, hi), PARIS)
        if rng.random() < 0.5:
            duration = rng.choice(FIXED)
        else:
            duration = timedelta(minutes=rng.randint(1, 80 * 60))
        starts.append(start)
        durations.append(duration)
        ends.append(start + timedelta(seconds=rng.randrange(21 * 86_400)))
    return starts, durations, ends


def businesstimedelta_rules():
    tz = pytz.timezone("Europe/Paris")
    weekdays = [0, 1, 2, 3, 4]
    # A plain set of dates: much faster than querying a holidays object day after day.
    closed = set(holidays.country_holidays("FR", years=range(2026, 2033)))
    return btd.Rules(
        [
            btd.WorkDayRule(
                start_time=time(8, 30), end_time=time(12, 30), working_days=weekdays, tz=tz
            ),
            btd.WorkDayRule(start_time=time(14), end_time=time(18), working_days=weekdays, tz=tz),
            btd.HolidayRule(closed, tz=tz),
        ]
    )


def timed(fn, *columns):
    begin = clock.perf_counter()
    results = list(map(fn, *columns))
    return results, clock.perf_counter() - begin


def explain_difference(cal, start, duration, ours, theirs) -> str:
    gap = theirs.astimezone(UTC) - ours.astimezone(UTC)
    ours_back = cal.elapsed(start, ours) == duration
    theirs_back = cal.elapsed(start, theirs)
    return (
        f"start {start:%a %Y-%m-%d %H:%M:%S%z} + {duration}: ours {ours:%a %Y-%m-%d %H:%M%z}, "
        f"btd {theirs.astimezone(PARIS):%a %Y-%m-%d %H:%M%z} (btd - ours = {gap}); "
        f"open time up to ours = duration: {ours_back}, up to btd: {theirs_back}"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--btd-n", type=int, default=10_000, help="cases run by businesstimedelta")
    args = parser.parse_args(argv)
    starts, durations, ends = make_cases(args.n, args.seed)
    m = min(args.n, args.btd_n)

    # Cold: a fresh calendar, caches built during the first pass. The holidays package loads
    # its country data lazily (~0.1 s, once per process): warm it first, it is not ours.
    holidays.country_holidays("FR", years=2025)
    fresh = BusinessCalendar.preset("standard")
    begin = clock.perf_counter()
    fresh.add(starts[0], durations[0])
    first_call = clock.perf_counter() - begin
    cal = BusinessCalendar.preset("standard")
    ours_add, cold_add = timed(cal.add, starts, durations)
    _, warm_add = timed(cal.add, starts, durations)
    cal = BusinessCalendar.preset("standard")
    ours_el, cold_el = timed(cal.elapsed, starts, ends)
    _, warm_el = timed(cal.elapsed, starts, ends)
    inverse_ok = sum(
        cal.elapsed(s, r) == d for s, r, d in zip(starts, ours_add, durations, strict=True)
    )

    rules = businesstimedelta_rules()
    theirs_add, btd_add = timed(
        lambda s, d: s + btd.BusinessTimeDelta(rules, timedelta=d), starts[:m], durations[:m]
    )
    theirs_el, btd_el = timed(lambda s, e: rules.difference(s, e).timedelta, starts[:m], ends[:m])

    rate = lambda count, seconds: count / seconds  # noqa: E731
    rows = [
        ("sla.calendar (cold cache)", rate(args.n, cold_add), rate(args.n, cold_el)),
        ("sla.calendar (warm cache)", rate(args.n, warm_add), rate(args.n, warm_el)),
        (f"businesstimedelta ({m} cases)", rate(m, btd_add), rate(m, btd_el)),
    ]
    btd_add_rate, btd_el_rate = rows[2][1], rows[2][2]
    python = sys.version.split()[0]
    print(f"N={args.n} seed={args.seed}; standard calendar, starts 2026-2030, Python {python}")
    print(f"first call on a fresh calendar (builds one year): {first_call * 1e3:.2f} ms")
    header = ("engine", "add ops/s", "elapsed ops/s", "add ratio", "elapsed ratio")
    print("{:32} {:>12} {:>14} {:>10} {:>14}".format(*header))
    for name, add_rate, el_rate in rows:
        print(
            f"{name:32} {add_rate:12,.0f} {el_rate:14,.0f} "
            f"{add_rate / btd_add_rate:9.1f}x {el_rate / btd_el_rate:13.1f}x"
        )
    print(f"elapsed(start, add(start, d)) == d for {inverse_ok}/{args.n} cases")

    add_diffs = [
        k for k in range(m) if ours_add[k].astimezone(UTC) != theirs_add[k].astimezone(UTC)
    ]
    el_diffs = [k for k in range(m) if ours_el[k] != theirs_el[k]]
    print(f"differences on the {m} shared cases: add {len(add_diffs)}, elapsed {len(el_diffs)}")
    for k in add_diffs[:5]:
        print(
            "  add:", explain_difference(cal, starts[k], durations[k], ours_add[k], theirs_add[k])
        )
    for k in el_diffs[:5]:
        print(
            f"  elapsed: {starts[k]:%a %Y-%m-%d %H:%M:%S%z} -> {ends[k]:%a %Y-%m-%d %H:%M:%S%z}: "
            f"ours {ours_el[k]}, btd {theirs_el[k]}"
        )
    edge_cases(cal, rules)


def edge_cases(cal, rules) -> None:
    """Hand-picked boundaries; the two engines differ by convention on the last two."""
    paris = lambda *a, **kw: datetime(*a, tzinfo=PARIS, **kw)  # noqa: E731
    print("edge cases (ours | businesstimedelta):")
    adds = [
        ("Fri 18:00 + 0", paris(2026, 11, 27, 18), timedelta(0)),
        ("Fri 14:00 + 4 h (lands on 18:00)", paris(2026, 11, 27, 14), timedelta(hours=4)),
        ("Christmas 10:00 + 1 h", paris(2026, 12, 25, 10), timedelta(hours=1)),
        ("Fri before autumn DST 16:00 + 4 h", paris(2026, 10, 23, 16), timedelta(hours=4)),
        ("02:30 in the spring gap + 4 h", paris(2026, 3, 29, 2, 30), timedelta(hours=4)),
        ("10:00:00.5 + 1 h 3 µs", paris(2026, 11, 24, 10, 0, 0, 500_000), timedelta(0, 3600, 3)),
    ]
    for label, start, duration in adds:
        ours = cal.add(start, duration)
        theirs = (start + btd.BusinessTimeDelta(rules, timedelta=duration)).astimezone(PARIS)
        same = "same" if ours.astimezone(UTC) == theirs.astimezone(UTC) else "DIFFERENT"
        print(f"  add {label:34} {ours:%a %d/%m %H:%M:%S.%f%z} | {theirs:%H:%M:%S.%f%z} {same}")
    spans = [
        ("Fri 18:00 -> Mon 08:30", paris(2026, 11, 27, 18), paris(2026, 11, 30, 8, 30)),
        ("end before start (11:00 -> 10:00)", paris(2026, 11, 24, 11), paris(2026, 11, 24, 10)),
        ("10:00:00.25 -> 11:00", paris(2026, 11, 24, 10, 0, 0, 250_000), paris(2026, 11, 24, 11)),
    ]
    for label, start, end in spans:
        ours, theirs = cal.elapsed(start, end), rules.difference(start, end).timedelta
        same = "same" if ours == theirs else "DIFFERENT"
        print(f"  elapsed {label:34} {ours!s:>15} | {theirs!s:>15} {same}")
    print(
        "  (businesstimedelta's difference() sorts its arguments, so end < start gives a positive"
        " span where we return 0, and it truncates to whole seconds where we are exact.)"
    )


if __name__ == "__main__":
    main()
