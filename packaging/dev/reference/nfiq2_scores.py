#!/usr/bin/env python3
"""NIST NFIQ 2 scores of a folder of fingerprint PNGs, as JSON {name: score}.

A measuring stick for Rekam's own finger quality (src/capture/finger/, docs/finger-quality.md),
never a runtime dependency. Needs PyPI nbis-py 0.1.3 (NFIQ 2 through NIST's NBIS and
libnfiq2), e.g. the venv of /work/shared/tools/reference-venv.sh or:

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install "nbis-py==0.1.3"

Usage:
    python nfiq2_scores.py DIR [--timing] [--repeat N] [--baseline] > scores.json

Every `*.png` of DIR (8-bit grey, 500 ppi) is scored; the key is the file name without
`.png`; an image NFIQ 2 refuses to score gets null (and a line on stderr).

With --timing the JSON is {"scores": {...}, "seconds": {...}}, the second map holding the wall
time of each image's extraction call (file read and PNG decode included, as the tool does them;
the median of N runs with --repeat N), on one thread, with time.perf_counter(). nbis-py offers
NFIQ 2 only together with NBIS MINDTCT minutiae extraction; --baseline times the same call with
NFIQ 2 switched off (scores are then null), so that NFIQ 2's own share is the difference.
"""

import json
import pathlib
import statistics
import sys
import time

import nbis


def main(argv):
    args = list(argv[1:])
    timing = "--timing" in args
    baseline = "--baseline" in args
    repeat = 1
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = max(1, int(args[i + 1]))
        del args[i:i + 2]
    args = [a for a in args if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = pathlib.Path(args[0])
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0,
        get_center=False,
        check_fingerprint=False,
        compute_nfiq2=not baseline,
        ppi=500.0,
    )
    extractor = nbis.new_nbis_extractor(settings)
    scores, seconds = {}, {}
    for path in sorted(folder.glob("*.png")):
        runs = []
        score = None
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                minutiae = extractor.extract_minutiae_from_image_file(str(path))
                if not baseline:
                    score = int(minutiae.quality().score)
            except nbis.NbisError as e:
                # NFIQ 2 refuses some images (too small, no foreground): no score.
                if len(runs) == 0:
                    print(f"{path.name}: {e!r}", file=sys.stderr)
                score = None
            runs.append(time.perf_counter() - start)
        seconds[path.stem] = statistics.median(runs)
        scores[path.stem] = score
    out = {"scores": scores, "seconds": seconds} if timing or baseline else scores
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
