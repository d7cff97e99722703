from shelter import create_app

app = create_app()
