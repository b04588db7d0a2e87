from yecai.cli.main import main

main()
