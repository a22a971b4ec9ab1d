"""Drawings of the ideas the chapters teach (the slides teach with them), one module per topic.

Each function draws a new matplotlib figure and returns it; in a notebook, call ``plt.show()`` after it, in a
cell whose input the book hides (tag ``remove-input``) and whose metadata carries the figure's alt text. The
pieces every drawing uses (paper and ink, boxes, arrows, labels) are in ``course_utils.diagrams.base``, so that
every drawing reads the same in the book's light and dark modes. No module imports TensorFlow.
"""
