"""Regenerate the JSON Schema documents in schemas/json/ and schemas/asyncapi.yaml from the models (`python -m schemas`)."""

from schemas.documents import write_documents

if __name__ == "__main__":
    for path in write_documents():
        print(path)
