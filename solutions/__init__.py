"""Your code for the course, one package per chapter (run modules as `python -m exercises.ch02.tokenizers`)."""
