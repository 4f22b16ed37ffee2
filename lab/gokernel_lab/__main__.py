from gokernel_lab import main

main()
