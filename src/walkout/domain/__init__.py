"""The pure domain: stores, catalogue, planogram and money, with no I/O."""
