"""Demo election definitions (`baucu.election/1`) on the real administrative units of Ho Chi Minh
City: `hcm-2021` (three levels, 312 wards/communes) and `hcm-2026` (two levels, 168 communes).

Plain Python, no Django: `build_definition(shape, scale, seed)` makes the document and
`check_definition(document)` lists any broken invariant.
"""

from election.demo.build import SCALES, SHAPES, build_definition, load_units
from election.demo.check import check_definition

__all__ = ["SCALES", "SHAPES", "build_definition", "check_definition", "load_units"]
