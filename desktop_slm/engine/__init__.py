"""The language model behind a process boundary: a worker owns llama.cpp, a client talks to it."""
