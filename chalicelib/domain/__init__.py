"""Pure rules of the desk: request types, deadlines, lifecycle, routing, agencies.

Nothing here imports boto3 or PynamoDB, so every rule is testable without AWS.
"""
