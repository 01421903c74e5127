"""The Step Functions side of a request: starting its workflow, answering its tokens."""
