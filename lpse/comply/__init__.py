"""Compliance: the control catalogue, running its checks, results, waivers and reports."""
