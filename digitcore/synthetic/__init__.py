"""Realistic, non-MNIST-looking digit test sets: canvas drawings, scans, phone photos (start at ``sets``).

These modules import only numpy, OpenCV and ``digitcore.storage``. Nothing is re-exported, so
importing the package costs nothing; ``python -m digitcore.synthetic`` writes a set to a folder.
"""
