"""Renderers: values in, text out; they decide nothing."""
