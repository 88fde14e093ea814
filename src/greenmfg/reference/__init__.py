"""Reference data: coefficients with their sources, behind one validating loader.

>>> from greenmfg.reference import get_reference
>>> ref = get_reference()
>>> ref.fuel[("gbt32150_2015", "natural_gas", "ncv")].unit
'GJ/(10^4 Nm3)'
"""

from greenmfg.reference.loader import ReferenceDataError, get_reference, load_reference
from greenmfg.reference.model import Factor, ItemSpec, MethodSpec, ReferenceData, Region, Source

__all__ = [
    "Factor",
    "ItemSpec",
    "MethodSpec",
    "ReferenceData",
    "ReferenceDataError",
    "Region",
    "Source",
    "get_reference",
    "load_reference",
]
