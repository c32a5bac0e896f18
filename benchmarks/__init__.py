"""Benchmarks: our layers against raw llama-cpp-python, measured in the same run."""
