"""The platform's open SCF standards: JSON Schemas, the documents the platform emits in them,
and the conformance kit that checks anyone's documents and endpoints against them."""
