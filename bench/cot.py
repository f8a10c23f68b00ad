"""CoT gateway benchmark: position events from bytes to report dicts, in process.

    python -m bench.cot [--events 20000] [--repeat 3]

What one TAK connection does per position event before the hub sees it: split the stream
after ``</event>`` (``XmlFramer``), parse with defusedxml (DTDs, entities and external
references refused), check the event, convert it (domain, track, EGM96 altitude, speed and
course). The reference measured in the same run is the floor: the same bytes parsed by the
standard library's ``xml.etree.ElementTree.fromstring`` alone, unhardened and unchecked.
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from deconfliction.gateways.cot.convert_in import Position, convert
from deconfliction.gateways.cot.events import cot_time, parse_event
from deconfliction.gateways.cot.framing import XmlFramer

T0 = 1_795_428_000.0


def workload(events: int) -> bytes:
    """``events`` position events as ATAK sends them, one stream."""
    out = []
    for i in range(events):
        lat, lon = 35.0 + (i % 1000) * 0.01, 40.0 + (i // 1000) * 0.01
        out.append(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" '
            f'uid="ANDROID-{i:08d}" type="a-f-G-U-C" how="m-g" time="{cot_time(T0)}" '
            f'start="{cot_time(T0)}" stale="{cot_time(T0 + 60)}"><point lat="{lat:.6f}" '
            f'lon="{lon:.6f}" hae="{300 + i % 50}.5" ce="9.9" le="9999999.0"/><detail>'
            f'<contact callsign="UNIT-{i}" endpoint="*:-1:stcp"/><__group name="Cyan" '
            f'role="Team Member"/><takv device="PIXEL" platform="ATAK-CIV" os="33" '
            f'version="4.10"/><track speed="3.5" course="{i % 360}"/><status battery="88"/>'
            f"</detail></event>"
        )
    return "".join(out).encode()


def gateway(stream: bytes) -> int:
    framer = XmlFramer(256 * 1024)
    count = 0
    for offset in range(0, len(stream), 65536):
        for raw in framer.feed(stream[offset : offset + 65536]):
            if isinstance(convert(parse_event(raw), T0), Position):
                count += 1
    return count


def reference(stream: bytes) -> int:
    count = 0
    for raw in stream.split(b"</event>")[:-1]:
        ET.fromstring(raw + b"</event>")
        count += 1
    return count


def best(func: object, stream: bytes, repeat: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = func(stream)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times), count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    stream = workload(args.events)
    gateway_s, converted = best(gateway, stream, args.repeat)
    reference_s, parsed = best(reference, stream, args.repeat)
    assert converted == parsed == args.events
    print(f"{args.events} position events, {len(stream) / args.events:.0f} bytes each")
    print(
        f"gateway (split, defusedxml, check, convert): {gateway_s:.3f} s, "
        f"{args.events / gateway_s:,.0f} events/s"
    )
    print(
        f"reference (stdlib ElementTree parse only):   {reference_s:.3f} s, "
        f"{args.events / reference_s:,.0f} events/s"
    )
    print(f"ratio gateway / reference: {gateway_s / reference_s:.2f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
