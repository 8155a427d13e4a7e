"""WCAG contrast, as tests of the stylesheet's numbers and of drawn pixels read it."""

from __future__ import annotations

from typing import Sequence


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """'#1f6feb' → (31, 111, 235)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def contrast(one: Sequence[int], other: Sequence[int]) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours, each as 0–255 channels."""
    def luminance(rgb: Sequence[int]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)
