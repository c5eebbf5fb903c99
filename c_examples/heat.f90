! (d) Fortran through module banditsor: a sequence of heat-equation systems
! (backward Euler, A_k = I + dt kappa_k K with K the 5-point -Laplacian,
! kappa_k sweeping 0.5..10 and back), 1-based 32-bit CSR arrays as Fortran
! code holds them, each step solved by bsor_solve (SSOR-CG) with the
! learned omega, against a fixed omega = 1 run. Also shows the optional
! status argument and bsor_last_error.
!
! usage: heat_fortran [m=40] [steps=200]
program heat_fortran
  use banditsor
  use, intrinsic :: iso_fortran_env, only: int32, int64, real64
  implicit none
  integer :: m, steps, st
  integer(int64) :: fixed, learned
  character(len=32) :: arg
  type(bsor_pc_t) :: probe

  m = 40
  steps = 200
  if (command_argument_count() >= 1) then
    call get_command_argument(1, arg)
    read (arg, *) m
  end if
  if (command_argument_count() >= 2) then
    call get_command_argument(2, arg)
    read (arg, *) steps
  end if
  print '(a,a,a,i0,a,i0,a)', 'banditsor ', bsor_version_string(), ': Fortran heat sequence m = ', &
    m, ', ', steps, ' steps'

  ! A failing call with status= returns the code instead of stopping.
  call bsor_pc_create(probe)
  call bsor_pc_set_omega(probe, 3.0_real64, status=st)
  if (st /= BSOR_ERR_INVALID_OMEGA) then
    print '(a,i0)', 'FAIL: expected BSOR_ERR_INVALID_OMEGA, got ', st
    error stop 1
  end if
  print '(a,a,a,a)', 'expected error: ', bsor_status_name(st), ': ', bsor_last_error()
  call bsor_pc_destroy(probe)
  if (bsor_pc_associated(probe)) error stop 'destroy did not clear the handle'

  fixed = simulate(.false.)
  learned = simulate(.true.)
  print '(a,i0)', 'total SSOR-CG iterations, omega = 1 (SGS): ', fixed
  print '(a,i0)', 'total SSOR-CG iterations, learned (tsallis): ', learned
  if (learned < fixed) then
    print '(a)', 'PASS: learned omega needed fewer iterations than omega = 1'
  else
    print '(a)', 'FAIL: learned omega did not beat omega = 1'
    error stop 1
  end if

contains

  function simulate(learn) result(total)
    logical, intent(in) :: learn
    integer(int64) :: total
    type(bsor_pc_t) :: pc
    type(bsor_stats_t) :: stats
    integer(int32), allocatable :: rowptr(:), colind(:)
    real(real64), allocatable :: kvals(:), values(:), u(:), b(:)
    integer(int32) :: n, i, j, row, k
    integer :: step
    integer(int64) :: its
    real(real64) :: h, dt, kappa, s, pi
    logical :: converged

    pi = 4.0_real64*atan(1.0_real64)
    n = int(m, int32)**2
    h = 1.0_real64/(m + 1)
    dt = 1.0e-2_real64
    s = 1.0_real64/(h*h)
    allocate (rowptr(n + 1), colind(5*n), kvals(5*n), u(n), b(n))
    ! 1-based CSR of K = -Lap_h
    k = 0
    rowptr(1) = 1
    do i = 1, m
      do j = 1, m
        row = (i - 1)*m + j
        if (i > 1) call push(colind, kvals, k, row - m, -s)
        if (j > 1) call push(colind, kvals, k, row - 1, -s)
        call push(colind, kvals, k, row, 4*s)
        if (j < m) call push(colind, kvals, k, row + 1, -s)
        if (i < m) call push(colind, kvals, k, row + m, -s)
        rowptr(row + 1) = k + 1
      end do
    end do
    values = kvals(1:k)
    u = 0
    call bsor_pc_create(pc)
    if (learn) then
      call bsor_pc_set_learner(pc, BSOR_LEARNER_TSALLIS_INF)
      call bsor_pc_set_seed(pc, 7_int64)
    else
      call bsor_pc_set_omega(pc, 1.0_real64)
    end if
    total = 0
    do step = 1, steps
      kappa = 0.5_real64 + 9.5_real64*sin(pi*step/steps)**2
      values = dt*kappa*kvals(1:k)
      do row = 1, n
        do i = rowptr(row), rowptr(row + 1) - 1
          if (colind(i) == row) values(i) = values(i) + 1
        end do
      end do
      if (step == 1) then
        call bsor_pc_set_operator_csr(pc, n, rowptr, colind(1:k), values, one_based=.true.)
      else
        call bsor_pc_update_values(pc, values)
      end if
      b = u + dt*sin(pi*step/steps)  ! uniform source
      call bsor_solve(pc, BSOR_METHOD_SSOR_CG, b, u, 1.0e-8_real64, 10000_int64, its, &
                      context=kappa, converged=converged)
      if (.not. converged) error stop 'solve did not converge'
      total = total + its
    end do
    call bsor_pc_get_stats(pc, stats)
    if (stats%solves /= steps .or. stats%total_iterations /= total) error stop 'bad statistics'
    call bsor_pc_destroy(pc)
  end function simulate

  subroutine push(colind, kvals, k, col, v)
    integer(int32), intent(inout) :: colind(:)
    real(real64), intent(inout) :: kvals(:)
    integer(int32), intent(inout) :: k
    integer(int32), intent(in) :: col
    real(real64), intent(in) :: v
    k = k + 1
    colind(k) = col
    kvals(k) = v
  end subroutine push

end program heat_fortran
