"""greenmfg: carbon and energy accounting for China's green-manufacturing policy."""

__version__ = "0.1.0"
