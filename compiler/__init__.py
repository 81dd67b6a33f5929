"""biaswatch: declarative GitOps for Amazon SageMaker model bias drift monitors."""

__version__ = "0.1.0"
