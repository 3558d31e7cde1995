"""A synthetic Shenzhen supply chain with labelled fraud: generator, loader and evaluation."""
