"""Packaging for bottom: no runtime dependencies, extras for everything else."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

setup(
    name="bottom",
    version="4.0.0.dev0",
    description="asyncio IRC client: correct on the wire, fast, standard library only",
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["bottom", "bottom.*"]),
    package_data={"bottom": ["py.typed"]},
    install_requires=[],
    extras_require={
        "test": [
            "pytest>=8.0,<10",
            "pytest-asyncio>=0.24,<2",
            "pytest-timeout>=2.2,<3",
            "hypothesis>=6.100,<7",
            "pyyaml>=6.0,<7",
            "pytest-xdist>=3.5,<4",
            "redis>=5.0,<9",
            "websockets>=13,<18",
        ],
        "redis": ["redis>=5.0,<9"],
        "websocket": ["websockets>=13,<18"],
        "lint": ["ruff>=0.6,<1", "mypy>=1.10,<3"],
        "docs": ["sphinx>=7.2,<10"],
        "bench": ["irctokens>=2.0,<3"],
    },
    entry_points={"console_scripts": ["bottom=bottom.__main__:main"]},
    classifiers=[
        "Development Status :: 4 - Beta",
        "Framework :: AsyncIO",
        "Intended Audience :: Developers",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Communications :: Chat :: Internet Relay Chat",
        "Typing :: Typed",
    ],
)
