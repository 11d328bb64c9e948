"""The frame header on the worker's channel to the grader, shared by both ends (no imports to pay)."""
import struct

HEADER = struct.Struct("<IcI")  # job number, kind (C case record, X how the child ended, I worker info), length
INFO_JOB = 2**32 - 1           # the job number of the worker's own info frame
