"""Figures for accountability and recurring-problem patterns. Pure."""
