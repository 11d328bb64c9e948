"""Chapter notebooks: generated from the course's one source, read defensively, turned into a chapter's modules.

`layout` is how a chapter's modules map to cells; `generate` writes notebooks; `reader` reads a learner's;
`extract` turns notebooks into a gradable tree; `kernel` runs inside Jupyter. May import `scoring` and below.
"""
