"""The course autograder: manifest, worker, checker and reporters."""
