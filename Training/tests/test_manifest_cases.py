"""The manifest validation cases the Swift reader is tested on too: Tests/Fixtures/manifest/cases.json."""

import copy
import json
from pathlib import Path

import pytest

from signstgcn.manifest import Manifest, ManifestError

DOC = json.loads((Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "manifest" / "cases.json").read_text())


def _apply(case):
    obj = copy.deepcopy(DOC["base"])
    obj.update(copy.deepcopy(case.get("set", {})))
    for key in case.get("remove", []):
        del obj[key]
    return obj


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_manifest_case(case):
    obj = _apply(case)
    if case["field"] is None:
        Manifest.from_json(obj, "m.json")
    else:
        with pytest.raises(ManifestError) as err:
            Manifest.from_json(obj, "m.json")
        assert case["field"] in str(err.value), str(err.value)
